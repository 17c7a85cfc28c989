package jp.nmi.enclave.genomics;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import org.apache.hadoop.fs.Path;

/**
 * Query budgets kept beside the project on HDFS, {@code projects/<id>/genomics/budget.json}
 * ({@code {"alice": {"used": 12, "answered": ["sex=F", ...]}}}), written atomically; on the
 * operator's side of the enclave, like the rest of the project's state. Spends are serialised in
 * this process; the audit log records every query as well, so the count can be checked against it.
 */
public final class HdfsQueryBudget implements QueryBudget {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One user's record. */
    public record Entry(int used, List<String> answered) {
        public Entry {
            answered = answered == null ? List.of() : List.copyOf(answered);
        }
    }

    private final EnclaveStorage storage;

    public HdfsQueryBudget(EnclaveStorage storage) {
        this.storage = storage;
    }

    static Path file(EnclaveStorage storage, String project) {
        return new Path(new Path(storage.layout().project(project), "genomics"), "budget.json");
    }

    @Override
    public synchronized Spent spend(String project, String user, int strata, int budget) {
        TreeMap<String, Entry> all = read(project);
        Entry e = all.getOrDefault(user, new Entry(0, List.of()));
        if (e.used() + strata > budget) {
            throw QueryBudget.exceeded(project, user, e.used(), strata, budget);
        }
        all.put(user, new Entry(e.used() + strata, e.answered()));
        write(project, all);
        return new Spent(e.used() + strata, budget - e.used() - strata);
    }

    @Override
    public synchronized int used(String project, String user) {
        return read(project).getOrDefault(user, new Entry(0, List.of())).used();
    }

    @Override
    public synchronized List<String> answered(String project, String user) {
        return read(project).getOrDefault(user, new Entry(0, List.of())).answered();
    }

    @Override
    public synchronized void remember(String project, String user, List<String> strata) {
        TreeMap<String, Entry> all = read(project);
        Entry e = all.getOrDefault(user, new Entry(0, List.of()));
        LinkedHashSet<String> answered = new LinkedHashSet<>(e.answered());
        if (answered.addAll(strata)) {
            all.put(user, new Entry(e.used(), new ArrayList<>(answered)));
            write(project, all);
        }
    }

    private void write(String project, TreeMap<String, Entry> all) {
        HdfsFiles.writeAtomically(storage, file(storage, project), out -> JSON.writeValue(out, all));
    }

    private TreeMap<String, Entry> read(String project) {
        Path f = file(storage, project);
        try {
            if (!storage.fs().exists(f)) {
                return new TreeMap<>();
            }
            try (InputStream in = storage.fs().open(f)) {
                return JSON.readValue(in, JSON.getTypeFactory().constructMapType(TreeMap.class, String.class, Entry.class));
            }
        } catch (IOException e) {
            // unknown is not "nothing used": refuse the query
            throw new EnclaveStorageException("cannot read the allele-frequency query budget of " + project + ": " + e.getMessage(), e);
        }
    }

    /** An in-memory budget for tests and benchmarks, beside this one. */
    public static QueryBudget inMemory() {
        Map<String, Entry> entries = new HashMap<>();
        return new QueryBudget() {
            @Override
            public synchronized Spent spend(String project, String user, int strata, int budget) {
                Entry e = entries.getOrDefault(project + "/" + user, new Entry(0, List.of()));
                if (e.used() + strata > budget) {
                    throw QueryBudget.exceeded(project, user, e.used(), strata, budget);
                }
                entries.put(project + "/" + user, new Entry(e.used() + strata, e.answered()));
                return new Spent(e.used() + strata, budget - e.used() - strata);
            }

            @Override
            public synchronized int used(String project, String user) {
                return entries.getOrDefault(project + "/" + user, new Entry(0, List.of())).used();
            }

            @Override
            public synchronized List<String> answered(String project, String user) {
                return entries.getOrDefault(project + "/" + user, new Entry(0, List.of())).answered();
            }

            @Override
            public synchronized void remember(String project, String user, List<String> strata) {
                Entry e = entries.getOrDefault(project + "/" + user, new Entry(0, List.of()));
                LinkedHashSet<String> answered = new LinkedHashSet<>(e.answered());
                answered.addAll(strata);
                entries.put(project + "/" + user, new Entry(e.used(), new ArrayList<>(answered)));
            }
        };
    }
}
