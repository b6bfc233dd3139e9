import Foundation

/// Colours and line styles of the report: Okabe–Ito colours (safe for the common colour
/// vision deficiencies), and each leg also has its own dash and marker so the plots read
/// in grey print too.
public enum ReportStyle {
    /// Left (or A) leg: Okabe–Ito blue.
    public static let left = "#0072B2"
    /// Right (or B) leg: Okabe–Ito orange.
    public static let right = "#E69F00"
    /// Alerts: Okabe–Ito vermillion.
    public static let alert = "#D55E00"
    /// Sensor gaps: Okabe–Ito reddish purple.
    public static let gap = "#CC79A7"
    /// Symmetry index line.
    public static let ink = "#222222"
    /// Baseline band: Okabe–Ito bluish green.
    public static let band = "#009E73"
    /// Stops.
    public static let stop = "#BBBBBB"
    /// Dash pattern of the right leg (the left is solid).
    public static let rightDash = "7 4"

    /// Colour of leg 0 or 1.
    public static func color(leg: Int) -> String { leg == 0 ? left : right }
    /// Dash of leg 0 or 1 (nil = solid).
    public static func dash(leg: Int) -> String? { leg == 0 ? nil : rightDash }
    /// Marker of leg 0 or 1.
    public static func marker(leg: Int) -> SVGMarker { leg == 0 ? .circle : .square }
}

/// A point marker.
public enum SVGMarker: Sendable {
    case none, circle, square
}

/// Escapes text for XML/HTML.
func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

/// Short decimal text for SVG coordinates.
@inline(__always) func svgNumber(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
}

/// Axis ticks at "nice" values.
enum AxisTicks {
    /// About `target` ticks over lo…hi at 1, 2, 2.5 or 5 × 10^k.
    static func nice(_ lo: Double, _ hi: Double, target: Int = 6) -> (step: Double, ticks: [Double]) {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(max(target, 1))
        let mag = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        return (step, ticks(lo, hi, step))
    }

    /// Ticks for minutes: 1, 2, 5, 10, 15, 20, 30, 60 … min.
    static func minutes(_ lo: Double, _ hi: Double, target: Int = 10) -> (step: Double, ticks: [Double]) {
        let raw = max(hi - lo, 1e-9) / Double(target)
        let step = [0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 240].first { $0 >= raw } ?? 480
        return (step, ticks(lo, hi, step))
    }

    static func ticks(_ lo: Double, _ hi: Double, _ step: Double) -> [Double] {
        var out = [Double]()
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-6, out.count < 100 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    /// Text for a tick value with as many decimals as the step needs.
    static func label(_ v: Double, step: Double) -> String {
        var decimals = 0
        while decimals < 3 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) < 1e-6 { break }
            decimals += 1
        }
        let text = String(format: "%.\(decimals)f", abs(v))
        let isZero = Double(text) == 0
        return (v < 0 && !isZero ? "−" : "") + text
    }
}

/// One line (with optional quartile ribbon) in a chart.
public struct SVGSeries: Sendable {
    /// Legend text.
    public var name: String
    /// Stroke colour.
    public var color: String
    /// Dash pattern, nil for solid.
    public var dash: String?
    /// Marker drawn on a subset of the points (at most `maxMarkers`).
    public var marker: SVGMarker
    /// Points (x, y).
    public var points: [(Double, Double)]
    /// A shaded ribbon (x, low, high) in the series' colour, nil for none.
    public var ribbon: [(Double, Double, Double)]?
    /// Break the line where successive x differ by more than this.
    public var breakGap: Double?
    /// Line width, px.
    public var width: Double = 1.6
}

/// A time chart: x in minutes, stops and gaps shaded, alerts as vertical lines, an optional
/// horizontal band (the baseline band).
public struct SVGTimeChart: Sendable {
    /// Unique id (clip path).
    public var id: String
    /// Size, px.
    public var width = 1080.0
    /// Size, px.
    public var height = 250.0
    /// Y axis label with unit.
    public var yLabel: String
    /// X axis label with unit.
    public var xLabel = "time from start (min)"
    /// X range, min.
    public var xRange: (Double, Double)
    /// Series.
    public var series: [SVGSeries] = []
    /// A horizontal band (y0, y1, legend text).
    public var band: (Double, Double, String)?
    /// Horizontal reference line (e.g. 0 % SI).
    public var referenceY: Double?
    /// Spans in minutes: (x0, x1, isGap).
    public var spans: [(Double, Double, Bool)] = []
    /// Alerts: (x min, label).
    public var alerts: [(Double, String)] = []
    /// Text at the top and bottom right inside the plot ("left larger ↑").
    public var upperNote: String?
    /// See `upperNote`.
    public var lowerNote: String?
    /// Most markers drawn per series.
    public var maxMarkers = 24

    /// Creates a chart.
    public init(id: String, yLabel: String, xRange: (Double, Double)) {
        self.id = id
        self.yLabel = yLabel
        self.xRange = xRange
    }

    /// The SVG element.
    public func render() -> String {
        // Legend entries: (kind, colour, dash, marker, text).
        var legend: [(String, String, String?, SVGMarker, String)] = series.map { ("line", $0.color, $0.dash, $0.marker, $0.name) }
        if let band { legend.append(("band", ReportStyle.band, nil, .none, band.2)) }
        if spans.contains(where: { !$0.2 }) { legend.append(("stop", ReportStyle.stop, nil, .none, "not running")) }
        if spans.contains(where: { $0.2 }) { legend.append(("gap", ReportStyle.gap, nil, .none, "sensor gap")) }
        if !alerts.isEmpty { legend.append(("alert", ReportStyle.alert, "3 3", .none, "compensation cue (episode no.)")) }

        let charW = 6.6
        var legendRows: [[(Double, Int)]] = [[]]
        var x = 70.0
        for (i, item) in legend.enumerated() {
            let w = 34 + Double(item.4.count) * charW + 18
            if x + w > width - 10, !(legendRows.last?.isEmpty ?? true) {
                legendRows.append([])
                x = 70
            }
            legendRows[legendRows.count - 1].append((x, i))
            x += w
        }
        let top = 14 + Double(legendRows.count) * 18 + 16
        let left = 70.0, right = 20.0, bottom = 46.0
        let pw = width - left - right, ph = height - top - bottom

        // Y range from everything drawn, padded, with nice ticks.
        var ys = series.flatMap { s in s.points.map(\.1) + (s.ribbon ?? []).flatMap { [$0.1, $0.2] } }
        if let band { ys += [band.0, band.1] }
        if let r = referenceY { ys.append(r) }
        ys = ys.filter(\.isFinite)
        var ylo = ys.min() ?? 0, yhi = ys.max() ?? 1
        if yhi - ylo < 1e-9 { ylo -= 1; yhi += 1 }
        let pad = (yhi - ylo) * 0.06
        let yt = AxisTicks.nice(ylo - pad, yhi + pad, target: 5)
        ylo = ((ylo - pad) / yt.step).rounded(.down) * yt.step
        yhi = ((yhi + pad) / yt.step).rounded(.up) * yt.step
        let yticks = AxisTicks.ticks(ylo, yhi, yt.step)
        let (xlo, xhi) = (xRange.0, max(xRange.1, xRange.0 + 1e-6))
        let xt = AxisTicks.minutes(xlo, xhi)

        func px(_ v: Double) -> Double { left + (v - xlo) / (xhi - xlo) * pw }
        func py(_ v: Double) -> Double { top + (1 - (v - ylo) / (yhi - ylo)) * ph }

        var s = "<svg class=\"chart\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<defs><clipPath id=\"clip-\(id)\"><rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(pw))\" height=\"\(svgNumber(ph))\"/></clipPath>"
        s += "<pattern id=\"hatch-\(id)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"\(ReportStyle.gap)\" fill-opacity=\"0.15\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"\(ReportStyle.gap)\" stroke-width=\"2\"/></pattern></defs>"
        s += "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(pw))\" height=\"\(svgNumber(ph))\" fill=\"#fff\" stroke=\"#999\"/>"
        // Grid and ticks.
        for t in yticks {
            let y = py(t)
            s += "<line x1=\"\(svgNumber(left))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(left + pw))\" y2=\"\(svgNumber(y))\" stroke=\"#e4e4e4\"/>"
            s += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(y + 4))\" text-anchor=\"end\" class=\"tick\">\(AxisTicks.label(t, step: yt.step))</text>"
        }
        for t in xt.ticks {
            let x = px(t)
            s += "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(top))\" x2=\"\(svgNumber(x))\" y2=\"\(svgNumber(top + ph))\" stroke=\"#eeeeee\"/>"
            s += "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(top + ph + 16))\" text-anchor=\"middle\" class=\"tick\">\(AxisTicks.label(t, step: xt.step))</text>"
        }
        s += "<text x=\"\(svgNumber(left + pw / 2))\" y=\"\(svgNumber(height - 8))\" text-anchor=\"middle\" class=\"axis\">\(xmlEscape(xLabel))</text>"
        s += "<text transform=\"translate(16 \(svgNumber(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">\(xmlEscape(yLabel))</text>"

        s += "<g clip-path=\"url(#clip-\(id))\">"
        for (a, b, isGap) in spans {
            let x0 = px(a), x1 = max(px(b), x0 + 2)
            s += "<rect x=\"\(svgNumber(x0))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(x1 - x0))\" height=\"\(svgNumber(ph))\" fill=\"\(isGap ? "url(#hatch-\(id))" : ReportStyle.stop)\" fill-opacity=\"\(isGap ? "1" : "0.35")\"/>"
        }
        if let band {
            let y0 = py(max(band.0, band.1)), y1 = py(min(band.0, band.1))
            s += "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(y0))\" width=\"\(svgNumber(pw))\" height=\"\(svgNumber(max(y1 - y0, 1)))\" fill=\"\(ReportStyle.band)\" fill-opacity=\"0.16\" stroke=\"\(ReportStyle.band)\" stroke-opacity=\"0.5\" stroke-dasharray=\"2 3\"/>"
        }
        if let r = referenceY {
            s += "<line x1=\"\(svgNumber(left))\" y1=\"\(svgNumber(py(r)))\" x2=\"\(svgNumber(left + pw))\" y2=\"\(svgNumber(py(r)))\" stroke=\"#777\" stroke-width=\"1\"/>"
        }
        for se in series {
            if let ribbon = se.ribbon, !ribbon.isEmpty {
                for part in split(ribbon.map { ($0.0, $0) }, gap: se.breakGap) {
                    let upper = part.map { "\(svgNumber(px($0.1.0))),\(svgNumber(py($0.1.2)))" }
                    let lower = part.reversed().map { "\(svgNumber(px($0.1.0))),\(svgNumber(py($0.1.1)))" }
                    s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(se.color)\" fill-opacity=\"0.16\" stroke=\"none\"/>"
                }
            }
            for part in split(se.points.map { ($0.0, $0) }, gap: se.breakGap) {
                let pts = part.map { "\(svgNumber(px($0.1.0))),\(svgNumber(py($0.1.1)))" }.joined(separator: " ")
                s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"\(svgNumber(se.width))\" stroke-linejoin=\"round\"\(se.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
            }
            if se.marker != .none, !se.points.isEmpty {
                let every = max(1, se.points.count / maxMarkers)
                var i = every / 2
                while i < se.points.count {
                    s += marker(se.marker, x: px(se.points[i].0), y: py(se.points[i].1), color: se.color)
                    i += every
                }
            }
        }
        s += "</g>"
        // Alerts: vertical dashed lines, labels on one row, skipped where they would overlap.
        var lastLabelX = -1e9
        for (t, label) in alerts where t >= xlo && t <= xhi {
            let x = px(t)
            s += "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(top))\" x2=\"\(svgNumber(x))\" y2=\"\(svgNumber(top + ph))\" stroke=\"\(ReportStyle.alert)\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
            if !label.isEmpty, x - lastLabelX >= 22 {
                s += "<text x=\"\(svgNumber(x + 3))\" y=\"\(svgNumber(top + 12))\" class=\"alertlabel\">\(xmlEscape(label))</text>"
                lastLabelX = x
            }
        }
        if let upperNote {
            s += "<text x=\"\(svgNumber(left + pw - 6))\" y=\"\(svgNumber(top + 14))\" text-anchor=\"end\" class=\"note\">\(xmlEscape(upperNote))</text>"
        }
        if let lowerNote {
            s += "<text x=\"\(svgNumber(left + pw - 6))\" y=\"\(svgNumber(top + ph - 6))\" text-anchor=\"end\" class=\"note\">\(xmlEscape(lowerNote))</text>"
        }
        // Legend.
        for (row, items) in legendRows.enumerated() {
            let y = 14 + Double(row) * 18
            for (lx, i) in items {
                let item = legend[i]
                switch item.0 {
                case "line":
                    s += "<line x1=\"\(svgNumber(lx))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(lx + 28))\" y2=\"\(svgNumber(y))\" stroke=\"\(item.1)\" stroke-width=\"2\"\(item.2.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
                    s += marker(item.3, x: lx + 14, y: y, color: item.1)
                case "alert":
                    s += "<line x1=\"\(svgNumber(lx + 14))\" y1=\"\(svgNumber(y - 7))\" x2=\"\(svgNumber(lx + 14))\" y2=\"\(svgNumber(y + 7))\" stroke=\"\(item.1)\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
                case "gap":
                    s += "<rect x=\"\(svgNumber(lx + 4))\" y=\"\(svgNumber(y - 6))\" width=\"20\" height=\"12\" fill=\"url(#hatch-\(id))\" stroke=\"\(item.1)\"/>"
                case "stop":
                    s += "<rect x=\"\(svgNumber(lx + 4))\" y=\"\(svgNumber(y - 6))\" width=\"20\" height=\"12\" fill=\"\(item.1)\" fill-opacity=\"0.5\"/>"
                default:
                    s += "<rect x=\"\(svgNumber(lx + 4))\" y=\"\(svgNumber(y - 6))\" width=\"20\" height=\"12\" fill=\"\(item.1)\" fill-opacity=\"0.2\" stroke=\"\(item.1)\" stroke-dasharray=\"2 3\"/>"
                }
                s += "<text x=\"\(svgNumber(lx + 34))\" y=\"\(svgNumber(y + 4))\" class=\"legend\">\(xmlEscape(item.4))</text>"
            }
        }
        s += "</svg>"
        return s
    }

    private func split<T>(_ points: [(Double, T)], gap: Double?) -> [[(Double, T)]] {
        guard let gap else { return points.isEmpty ? [] : [points] }
        var parts = [[(Double, T)]]()
        var current = [(Double, T)]()
        for p in points {
            if let last = current.last, p.0 - last.0 > gap {
                parts.append(current)
                current = []
            }
            current.append(p)
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}

func marker(_ m: SVGMarker, x: Double, y: Double, color: String) -> String {
    switch m {
    case .none: return ""
    case .circle: return "<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"3.5\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"1.8\"/>"
    case .square: return "<rect x=\"\(svgNumber(x - 3.5))\" y=\"\(svgNumber(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(color)\" stroke=\"\(color)\"/>"
    }
}

/// Two distributions (one per leg) as outlined histograms on the same bins, with each
/// leg's median as a vertical line.
public struct SVGHistogram: Sendable {
    /// Size, px.
    public var width = 520.0
    /// Size, px.
    public var height = 230.0
    /// X axis label with unit.
    public var xLabel: String
    /// Per leg: (legend name, values).
    public var legs: [(String, [Double])]
    /// Bins between the 1st and 99th percentile of all values.
    public var bins = 28

    /// Creates a histogram.
    public init(xLabel: String, legs: [(String, [Double])]) {
        self.xLabel = xLabel
        self.legs = legs
    }

    /// The SVG element.
    public func render() -> String {
        let all = legs.flatMap(\.1).filter(\.isFinite).sorted()
        let left = 60.0, right = 14.0, top = 54.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
        guard var lo = ReportStatistics.quantile(sorted: all, 0.01), var hi = ReportStatistics.quantile(sorted: all, 0.99) else {
            return s + "<text x=\"20\" y=\"40\" class=\"note\">no good strides</text></svg>"
        }
        if hi - lo < 1e-9 { lo -= 1; hi += 1 }
        let xt = AxisTicks.nice(lo, hi, target: 5)
        lo = (lo / xt.step).rounded(.down) * xt.step
        hi = (hi / xt.step).rounded(.up) * xt.step
        let binW = (hi - lo) / Double(bins)
        var counts = [[Double]]()
        for (_, values) in legs {
            var c = [Double](repeating: 0, count: bins)
            let n = Double(max(values.count, 1))
            for v in values where v.isFinite {
                let k = min(max(Int((v - lo) / binW), 0), bins - 1)
                c[k] += 100 / n
            }
            counts.append(c)
        }
        let ymax = max(counts.flatMap { $0 }.max() ?? 1, 1e-9)
        let yt = AxisTicks.nice(0, ymax * 1.08, target: 4)
        let yhi = (ymax * 1.08 / yt.step).rounded(.up) * yt.step
        func px(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * pw }
        func py(_ v: Double) -> Double { top + (1 - v / yhi) * ph }

        s += "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(pw))\" height=\"\(svgNumber(ph))\" fill=\"#fff\" stroke=\"#999\"/>"
        for t in AxisTicks.ticks(0, yhi, yt.step) {
            s += "<line x1=\"\(svgNumber(left))\" y1=\"\(svgNumber(py(t)))\" x2=\"\(svgNumber(left + pw))\" y2=\"\(svgNumber(py(t)))\" stroke=\"#e4e4e4\"/>"
            s += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(py(t) + 4))\" text-anchor=\"end\" class=\"tick\">\(AxisTicks.label(t, step: yt.step))</text>"
        }
        for t in AxisTicks.ticks(lo, hi, xt.step) {
            s += "<text x=\"\(svgNumber(px(t)))\" y=\"\(svgNumber(top + ph + 16))\" text-anchor=\"middle\" class=\"tick\">\(AxisTicks.label(t, step: xt.step))</text>"
            s += "<line x1=\"\(svgNumber(px(t)))\" y1=\"\(svgNumber(top + ph))\" x2=\"\(svgNumber(px(t)))\" y2=\"\(svgNumber(top + ph + 4))\" stroke=\"#999\"/>"
        }
        s += "<text x=\"\(svgNumber(left + pw / 2))\" y=\"\(svgNumber(height - 8))\" text-anchor=\"middle\" class=\"axis\">\(xmlEscape(xLabel))</text>"
        s += "<text transform=\"translate(14 \(svgNumber(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">strides (%)</text>"
        for (leg, c) in counts.enumerated() {
            let color = ReportStyle.color(leg: leg)
            var d = "M\(svgNumber(px(lo))),\(svgNumber(py(0)))"
            for k in 0..<bins {
                let x0 = lo + Double(k) * binW
                d += " L\(svgNumber(px(x0))),\(svgNumber(py(c[k]))) L\(svgNumber(px(x0 + binW))),\(svgNumber(py(c[k])))"
            }
            d += " L\(svgNumber(px(hi))),\(svgNumber(py(0)))"
            s += "<path d=\"\(d)\" fill=\"\(color)\" fill-opacity=\"0.14\" stroke=\"\(color)\" stroke-width=\"1.8\"\(ReportStyle.dash(leg: leg).map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
            if let m = ReportStatistics.median(legs[leg].1), m >= lo, m <= hi {
                s += "<line x1=\"\(svgNumber(px(m)))\" y1=\"\(svgNumber(top))\" x2=\"\(svgNumber(px(m)))\" y2=\"\(svgNumber(top + ph))\" stroke=\"\(color)\" stroke-width=\"2.2\"\(ReportStyle.dash(leg: leg).map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
            }
        }
        let lx = left
        for (leg, (name, values)) in legs.enumerated() {
            let ly = 14.0 + Double(leg) * 18
            let color = ReportStyle.color(leg: leg)
            let med = ReportStatistics.median(values)
            let text = "\(name) (n = \(values.count), median \(med.map { AxisTicks.label($0, step: xt.step / 10) } ?? "–"))"
            s += "<line x1=\"\(svgNumber(lx))\" y1=\"\(svgNumber(ly))\" x2=\"\(svgNumber(lx + 28))\" y2=\"\(svgNumber(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(ReportStyle.dash(leg: leg).map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
            s += marker(ReportStyle.marker(leg: leg), x: lx + 14, y: ly, color: color)
            s += "<text x=\"\(svgNumber(lx + 34))\" y=\"\(svgNumber(ly + 4))\" class=\"legend\">\(xmlEscape(text))</text>"
        }
        s += "</svg>"
        return s
    }
}
