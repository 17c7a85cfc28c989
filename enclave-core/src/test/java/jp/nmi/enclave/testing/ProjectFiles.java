package jp.nmi.enclave.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.CsvReader;
import jp.nmi.enclave.project.ProjectState;

/**
 * What a project's files hold, read with Parquet's own reader (never through the enclave's SQL):
 * the participants of its extract and of each audience, and the source patients behind them.
 */
public final class ProjectFiles {
    private ProjectFiles() {}

    /** The participant_id values of one table of the extract (project pseudonyms). */
    public static Set<String> participants(EnclaveStorage storage, ProjectState state, String table) throws IOException {
        return ids(storage, state.extract().build(), table, state.extract().tables().get(table));
    }

    /** The participant_id values of one table of an audience's copy, or of the extract if the audience has none. */
    public static Set<String> participants(EnclaveStorage storage, ProjectState state, String audience, String table) throws IOException {
        ProjectState.Audience a = audience == null ? null : state.extract().audiences().get(audience);
        if (a == null || !a.tables().containsKey(table)) {
            return participants(storage, state, table);
        }
        return ids(storage, state.extract().build(), table, a.tables().get(table));
    }

    private static Set<String> ids(EnclaveStorage storage, String build, String name, ProjectState.Table t) throws IOException {
        DatasetRegistry.Entry entry = new DatasetRegistry.Entry(name, build, t.location(), t.columns(), t.rows(), t.contentHash(), "",
                t.files());
        Set<String> out = new LinkedHashSet<>();
        for (Map<String, Object> row : ParquetScan.rows(storage, entry)) {
            out.add((String) row.get("participant_id"));
        }
        return out;
    }

    /**
     * Source patient IDs (as the provider's opt-out forms carry them) of up to {@code n}
     * participants whose project pseudonym is in {@code wanted}.
     */
    public static List<String> patients(Path sourceDir, SecretKey providerKey, DemoFacts facts, Set<String> wanted, int n)
            throws Exception {
        Mac provider = Mac.getInstance("HmacSHA256");
        provider.init(providerKey);
        List<String> out = new ArrayList<>();
        try (CsvReader csv = new CsvReader(Files.newBufferedReader(sourceDir.resolve("participants.csv")), "participants.csv")) {
            csv.readHeader();
            for (CsvReader.Row row = csv.next(); row != null && out.size() < n; row = csv.next()) {
                String pseudonym = HexFormat.of().formatHex(provider.doFinal(("participant:" + row.get(0)).getBytes(StandardCharsets.UTF_8)));
                if (wanted.contains(facts.projectPseudonym(pseudonym))) {
                    out.add(row.get(0));
                }
            }
        }
        return out;
    }

    /** The project pseudonym a source patient has in the project of {@code facts}. */
    public static String projectPseudonym(SecretKey providerKey, DemoFacts facts, String patient) throws Exception {
        Mac provider = Mac.getInstance("HmacSHA256");
        provider.init(providerKey);
        return facts.projectPseudonym(HexFormat.of().formatHex(provider.doFinal(("participant:" + patient).getBytes(StandardCharsets.UTF_8))));
    }
}
