package jp.nmi.enclave.genomics;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The allele-frequency service's memory of a project, on HDFS beside the project (the operator's
 * side of the enclave, like the rest of its state): {@code projects/<id>/genomics/budget.json}
 * ({@code {"alice": 12, ...}}) and {@code atoms-<audience>.bin}, written atomically, under
 * {@code genomics/lock}, a file created exclusively (HDFS's create without overwrite is atomic), so
 * that queries from any number of processes are serialised per project.
 */
public final class HdfsQueryBudget implements QueryBudget {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /**
     * A lock older than this was left by a process that died: queries take well under a second, and
     * the margin covers clocks that disagree with the NameNode's by minutes. A holder checks that
     * the lock is still its own (a token it wrote) before it writes anything, and removes it only then.
     */
    static final long STALE_LOCK_MS = 600_000;
    static final long WAIT_MS = 30_000;

    private final EnclaveStorage storage;
    private final java.util.function.Function<String, Path> dirOf;
    private final ReentrantLock local = new ReentrantLock();
    /** The token of the lock this instance holds (one at a time: {@link #local}), or null. */
    private String held;
    private Path heldPath;

    /** The allele-frequency records of each project, in {@code projects/<id>/genomics/}. */
    public HdfsQueryBudget(EnclaveStorage storage) {
        this(storage, project -> new Path(storage.layout().project(project), "genomics"));
    }

    /** Records of each scope (a project, a researcher) in the directory {@code dirOf} names for it. */
    public HdfsQueryBudget(EnclaveStorage storage, java.util.function.Function<String, Path> dirOf) {
        this.storage = storage;
        this.dirOf = dirOf;
    }

    private Path dir(String project) {
        return dirOf.apply(name(project, "project"));
    }

    private static String name(String s, String what) {
        if (s == null || !NAME.matcher(s).matches() || s.contains("..")) {
            throw new ValidationException("not a " + what + " name: '" + s + "'");
        }
        return s;
    }

    @Override
    public <T> T locked(String project, Supplier<T> work) {
        Path lock = new Path(dir(project), "lock");
        try {
            // a query of this process ahead of this one: wait as long as for another process's
            if (!local.tryLock(WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new EnclaveStorageException("the query records of " + project + " stayed busy for " + WAIT_MS / 1000
                        + " s (other queries); ask again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnclaveStorageException("interrupted while waiting for the query records of " + project, e);
        }
        try {
            long deadline = System.currentTimeMillis() + WAIT_MS;
            String token = java.util.UUID.randomUUID() + " " + java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
            while (true) {
                try (FSDataOutputStream out = storage.fs().create(lock, false)) {
                    out.writeUTF(token);
                    break;
                } catch (IOException e) {
                    // taken (created and closed, or being created by another thread of this client): wait; anything else fails
                    if (!(e instanceof FileAlreadyExistsException) && !exists(lock)) {
                        throw new EnclaveStorageException("cannot lock the query records of " + project + ": " + e.getMessage(), e);
                    }
                    breakIfStale(lock);
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new EnclaveStorageException("the query records of " + project + " stayed locked for "
                            + WAIT_MS / 1000 + " s (another query, or " + lock + " left behind)");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EnclaveStorageException("interrupted while waiting for the query records of " + project, e);
                }
            }
            held = token;
            heldPath = lock;
            try {
                return work.get();
            } finally {
                try {
                    if (ours(lock, token)) {
                        storage.fs().delete(lock, false);
                    }
                } catch (IOException | RuntimeException e) {
                    // a lock left behind goes stale and is broken by the next query
                } finally {
                    held = null;
                    heldPath = null;
                }
            }
        } finally {
            local.unlock();
        }
    }

    private boolean ours(Path lock, String token) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(storage.fs().open(lock))) {
            return token.equals(in.readUTF());
        } catch (java.io.FileNotFoundException gone) {
            return false;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the query records lock " + lock + ": " + e.getMessage(), e);
        }
    }

    /**
     * Before any write: the lock is still this query's (not broken as stale and taken by another).
     *
     * @throws EnclaveStorageException when it is not
     */
    public void checkHeld(String project) {
        if (held == null || !ours(heldPath, held)) {
            throw new EnclaveStorageException("the query records of " + project + " are no longer locked by this query;"
                    + " nothing was recorded, ask again");
        }
    }

    private boolean exists(Path lock) {
        try {
            return storage.fs().exists(lock);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the query records lock " + lock + ": " + e.getMessage(), e);
        }
    }

    private void breakIfStale(Path lock) {
        try {
            FileStatus st = storage.fs().getFileStatus(lock);
            if (System.currentTimeMillis() - st.getModificationTime() > STALE_LOCK_MS) {
                storage.fs().delete(lock, false);
            }
        } catch (java.io.FileNotFoundException gone) {
            // released meanwhile: try again
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the query records lock " + lock + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Spent spend(String project, String user, int strata, int budget) {
        TreeMap<String, Integer> used = read(project);
        int before = used.getOrDefault(user, 0);
        if (before + strata > budget) {
            throw QueryBudget.exceeded(project, user, before, strata, budget);
        }
        used.put(user, before + strata);
        checkHeld(project);
        HdfsFiles.writeAtomically(storage, new Path(dir(project), "budget.json"), out -> JSON.writeValue(out, used));
        return new Spent(before + strata, budget - before - strata);
    }

    @Override
    public int used(String project, String user) {
        return read(project).getOrDefault(user, 0);
    }

    @Override
    public AnsweredAtoms atoms(String project, String audience) {
        Path f = new Path(dir(project), "atoms-" + name(audience, "audience") + ".bin");
        try {
            if (!storage.fs().exists(f)) {
                return AnsweredAtoms.empty();
            }
            try (InputStream in = storage.fs().open(f)) {
                return AnsweredAtoms.read(in);
            }
        } catch (IOException e) {
            // unknown is not "nothing answered": refuse the query
            throw new EnclaveStorageException("cannot read what project " + project + " was answered: " + e.getMessage(), e);
        }
    }

    @Override
    public void saveAtoms(String project, String audience, AnsweredAtoms atoms) {
        checkHeld(project);
        HdfsFiles.writeAtomically(storage, new Path(dir(project), "atoms-" + name(audience, "audience") + ".bin"), atoms::write);
    }

    private TreeMap<String, Integer> read(String project) {
        Path f = new Path(dir(project), "budget.json");
        try {
            if (!storage.fs().exists(f)) {
                return new TreeMap<>();
            }
            try (InputStream in = storage.fs().open(f)) {
                return JSON.readValue(in, JSON.getTypeFactory().constructMapType(TreeMap.class, String.class, Integer.class));
            }
        } catch (IOException e) {
            // unknown is not "nothing used": refuse the query
            throw new EnclaveStorageException("cannot read the allele-frequency query budget of " + project + ": " + e.getMessage(), e);
        }
    }

    /** An in-memory memory for tests and benchmarks, beside this one. */
    public static QueryBudget inMemory() {
        Map<String, Integer> used = new HashMap<>();
        Map<String, byte[]> atoms = new HashMap<>();
        return new QueryBudget() {
            @Override
            public synchronized <T> T locked(String project, Supplier<T> work) {
                return work.get();
            }

            @Override
            public synchronized Spent spend(String project, String user, int strata, int budget) {
                int before = used.getOrDefault(project + "/" + user, 0);
                if (before + strata > budget) {
                    throw QueryBudget.exceeded(project, user, before, strata, budget);
                }
                used.put(project + "/" + user, before + strata);
                return new Spent(before + strata, budget - before - strata);
            }

            @Override
            public synchronized int used(String project, String user) {
                return used.getOrDefault(project + "/" + user, 0);
            }

            @Override
            public synchronized AnsweredAtoms atoms(String project, String audience) {
                byte[] b = atoms.get(project + "/" + audience);
                try {
                    return b == null ? AnsweredAtoms.empty() : AnsweredAtoms.read(new java.io.ByteArrayInputStream(b));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public synchronized void saveAtoms(String project, String audience, AnsweredAtoms a) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                try {
                    a.write(out);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                atoms.put(project + "/" + audience, out.toByteArray());
            }
        };
    }
}
