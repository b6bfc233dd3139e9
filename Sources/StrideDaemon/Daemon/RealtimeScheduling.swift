import Foundation
import Logging

/// Real-time scheduling for the acquisition thread, where permitted.
public enum RealtimeScheduling {
    /// SCHED_FIFO priority: above ordinary threads and kernel worker defaults (50 is the
    /// priority of threaded IRQ handlers on PREEMPT_RT), below them so the I2C and GPIO
    /// interrupts still preempt us. The unit's LimitRTPRIO=50 allows exactly this.
    public static let priority: Int32 = 40

    /// Asks for SCHED_FIFO on the calling thread and locks memory (no page faults on the
    /// per-sample path); logs and carries on where not permitted (a desk, a container).
    public static func request(logger: Logger) {
        var param = sched_param()
        param.sched_priority = priority
        if sched_setscheduler(0, SCHED_FIFO, &param) != 0 {
            logger.notice("real-time scheduling not permitted (errno \(errno)); running at normal priority")
        } else {
            logger.info("acquisition at SCHED_FIFO priority \(priority)")
        }
        if mlockall(MCL_CURRENT | MCL_FUTURE) != 0 {
            logger.notice("memory locking not permitted (errno \(errno)); pages may be swapped")
        }
    }
}
