// Module anchor: keeps the target non-empty until its sources land; delete when others exist.
