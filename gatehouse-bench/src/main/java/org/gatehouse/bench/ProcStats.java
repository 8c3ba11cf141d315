package org.gatehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and memory of another process, read from /proc (Linux). */
public final class ProcStats {
    /** Clock ticks per second of utime/stime; 100 on every Linux we run on (getconf CLK_TCK). */
    static final long CLK_TCK = Long.getLong("bench.clkTck", 100);

    private ProcStats() {
    }

    /** utime + stime of the process, in seconds (all its threads, since it started). */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            return (utime + stime) / (double) CLK_TCK;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
        }
    }

    /**
     * A counter of /proc/pid/io such as wchar (bytes passed to write calls, page cache or not) or
     * write_bytes (bytes sent to the storage layer); -1 when unreadable.
     */
    public static long io(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (line.startsWith(key + ":")) return Long.parseLong(line.substring(key.length() + 1).trim());
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A line of /proc/pid/status such as VmHWM or VmRSS, in MiB; -1 when absent. */
    public static double statusMiB(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key + ":")) {
                    String[] p = line.substring(key.length() + 1).trim().split("\\s+");
                    return Long.parseLong(p[0]) / 1024.0; // kB
                }
            }
            return -1;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
        }
    }
}
