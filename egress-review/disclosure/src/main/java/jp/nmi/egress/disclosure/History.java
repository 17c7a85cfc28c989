package jp.nmi.egress.disclosure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a project has released, cell by cell, as contributor sets — salted hashes of the project's
 * pseudonyms, never the pseudonyms — so that a new table can be compared with every earlier one:
 * a cell that differs from a released cell by 1 to min_count-1 contributors (one set inside the
 * other) lets the difference be computed by subtraction. None of ACRO, OpenSAFELY's checks or
 * sdcTable automate this across releases.
 *
 * <p>A history is a directory: one JSON record per release and a {@code .salt} (owner-only, made once).
 */
public final class History {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One released table. */
    public record Release(String release, String createdAt, String spec, List<Cell> cells) {}

    /** One released cell: its labels and the hashes of its contributors. */
    public record Cell(String label, List<String> contributors) {}

    private final Path dir;
    private final byte[] salt;

    private History(Path dir, byte[] salt) {
        this.dir = dir;
        this.salt = salt;
    }

    public static History open(Path dir) {
        try {
            Files.createDirectories(dir);
            Path saltFile = dir.resolve(".salt");
            if (!Files.exists(saltFile)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                Files.createFile(saltFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(saltFile, HexFormat.of().formatHex(fresh), StandardCharsets.US_ASCII);
            }
            return new History(dir, HexFormat.of().parseHex(Files.readString(saltFile, StandardCharsets.US_ASCII).strip()));
        } catch (IOException e) {
            throw new DisclosureException("cannot open the release history " + dir + ": " + e.getMessage());
        }
    }

    public List<Release> releases() {
        List<Release> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                out.add(JSON.readValue(f.toFile(), Release.class));
            }
        } catch (IOException e) {
            throw new DisclosureException("cannot read the release history " + dir + ": " + e.getMessage());
        }
        out.sort((a, b) -> a.release().compareTo(b.release()));
        return out;
    }

    /** The cells of a table as a release record (not yet written). */
    Release recordOf(String release, String spec, Table t, boolean[][] hidden) {
        List<Cell> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (hidden == null || !hidden[r][c]) {
                    cells.add(new Cell(t.label(r, c), hashes(t.contributionsOf(r, c).keySet())));
                }
            }
        }
        return new Release(release, Instant.now().toString(), spec, cells);
    }

    /** Records a release, for the comparisons of later tables. */
    public void record(Release release) {
        Path file = dir.resolve(release.release().replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
        if (Files.exists(file)) {
            throw new DisclosureException("release " + release.release() + " is already in the history " + dir);
        }
        try {
            JSON.writeValue(file.toFile(), release);
        } catch (IOException e) {
            throw new DisclosureException("cannot record release " + release.release() + " in " + dir + ": " + e.getMessage());
        }
    }

    /** New cells that differ from a released cell by 1 to minCount-1 contributors. */
    Check differencing(Table t, int minCount) {
        List<Release> releases = releases();
        if (releases.isEmpty()) {
            return Check.notApplicable(RuleId.DIFFERENCING, "no earlier release of the project to compare with");
        }
        List<int[]> cells = new ArrayList<>();
        List<String> findings = new ArrayList<>();
        java.util.Map<String, String> hashed = new java.util.HashMap<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                Set<String> mine = new HashSet<>();
                for (String id : t.contributionsOf(r, c).keySet()) {
                    mine.add(hashed.computeIfAbsent(id, k -> hashes(Set.of(k)).get(0)));
                }
                if (mine.isEmpty()) {
                    continue;
                }
                search:
                for (Release release : releases) {
                    for (Cell old : release.cells()) {
                        Set<String> theirs = new HashSet<>(old.contributors());
                        int difference = differenceIfNested(mine, theirs);
                        if (difference > 0 && difference < minCount) {
                            cells.add(new int[] {r, c});
                            findings.add(Rules.cell(r, c, t.label(r, c)) + " differs by " + difference
                                    + " contributor(s) from cell " + old.label() + " of release " + release.release());
                            break search;
                        }
                    }
                }
            }
        }
        return new Check(RuleId.DIFFERENCING, cells.isEmpty() ? Status.PASS : Status.FAIL, cells, cells.isEmpty()
                ? "no cell differs from a cell of the " + releases.size() + " earlier release(s) by 1 to " + (minCount - 1) + " contributors"
                : String.join("; ", findings.subList(0, Math.min(findings.size(), 10))) + (findings.size() > 10 ? "; ..." : ""));
    }

    /** |b \ a| if a is inside b, |a \ b| if b is inside a, else 0 (unrelated sets do not difference). */
    static int differenceIfNested(Set<String> a, Set<String> b) {
        if (b.containsAll(a)) {
            return b.size() - a.size();
        }
        if (a.containsAll(b)) {
            return a.size() - b.size();
        }
        return 0;
    }

    List<String> hashes(Set<String> contributors) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            List<String> out = new ArrayList<>(contributors.size());
            for (String id : contributors) {
                out.add(HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)), 0, 16));
            }
            out.sort(null);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
