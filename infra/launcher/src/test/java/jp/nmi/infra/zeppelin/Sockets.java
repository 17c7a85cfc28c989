package jp.nmi.infra.zeppelin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP ports a process listens on, read from Linux's /proc (IPv4 and IPv6). Containers on the
 * host's network share its tables (the cluster tests use this too).
 */
public final class Sockets {
    private Sockets() {}

    /** "address:port" of every listening socket of the processes and their descendants (executors, interpreters). */
    public static List<String> listening(List<Long> roots) {
        List<String> out = new ArrayList<>();
        for (long root : roots) {
            List<Long> pids = new ArrayList<>(List.of(root));
            ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
            for (long pid : pids) {
                try {
                    out.addAll(listening(pid));
                } catch (IOException e) {
                    // ended meanwhile
                }
            }
        }
        return out;
    }

    /** "address:port" of every listening socket of the process, e.g. "127.0.0.1:8080" or "0.0.0.0:36241". */
    public static List<String> listening(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        inodes.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    out.add(address(f[1]));
                }
            }
        }
        return out;
    }

    private static String address(String hex) {
        String[] parts = hex.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String a = parts[0];
        if (a.length() == 8) {
            return Integer.parseInt(a.substring(6, 8), 16) + "." + Integer.parseInt(a.substring(4, 6), 16) + "."
                    + Integer.parseInt(a.substring(2, 4), 16) + "." + Integer.parseInt(a.substring(0, 2), 16) + ":" + port;
        }
        return (a.equals("00000000000000000000000000000000") ? "::" : a.equals("00000000000000000000000001000000") ? "::1" : a) + ":" + port;
    }
}
