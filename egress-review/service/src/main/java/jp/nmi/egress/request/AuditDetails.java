package jp.nmi.egress.request;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an audit event of the egress service says, one record per kind of event ({@link AuditAction}
 * names which): typed at the call site, written to the chain as a map whose keys are the
 * components' names in snake case, absent components left out.
 */
public sealed interface AuditDetails {
    /** The request every event is about. */
    String request();

    /** As the chain holds them. */
    default Map<String, Object> toMap() {
        return map((Record) this);
    }

    /** The keys a details record can carry. */
    static Set<String> keysOf(Class<? extends AuditDetails> type) {
        Set<String> out = new LinkedHashSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            out.add(key(c.getName()));
        }
        return out;
    }

    private static Map<String, Object> map(Record r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
            }
            if (v != null) {
                out.put(key(c.getName()), v instanceof Record nested ? map(nested) : v);
            }
        }
        return out;
    }

    /** {@code regulatoryPurpose} as {@code regulatory_purpose}; {@code pkg} as {@code package} (a Java keyword). */
    private static String key(String component) {
        return component.equals("pkg") ? "package" : component.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** A value before and after an edit. */
    record Change(String from, String to) {}

    /** A request made: its files, what it is, under which profile its files are checked. */
    record RequestCreated(String request, List<String> files, String kind, String regulator, String regulatoryPurpose, String context,
            String controls, String profile) implements AuditDetails {
        public RequestCreated {
            requireNonNull(request, "request is null");
        }
    }

    /** Files added to a request, or one removed (with the digest of the version that was held, if any). */
    record FilesChanged(String request, int round, List<String> files, List<String> removed, String sha256) implements AuditDetails {
        public FilesChanged {
            requireNonNull(request, "request is null");
        }

        public static FilesChanged added(String request, int round, List<String> files) {
            return new FilesChanged(request, round, List.copyOf(files), null, null);
        }

        public static FilesChanged removed(String request, int round, String file, String sha256) {
            return new FilesChanged(request, round, null, List.of(file), sha256);
        }
    }

    /** The author's public description (for the data-use register) set, changed or removed. */
    record PublicDescriptionEdited(String request, int round, Change text) implements AuditDetails {
        public PublicDescriptionEdited {
            requireNonNull(request, "request is null");
        }
    }

    /** The author's description edited: what changed, from and to. */
    record DescriptionEdited(String request, int round, Change context, Change controls) implements AuditDetails {
        public DescriptionEdited {
            requireNonNull(request, "request is null");
        }
    }

    /** A file taken in and checked, or why it could not be ({@code failure}, with outcome {@code failed}). */
    record FileChecked(String request, int round, String file, String sha256, Long size, String check, String metadata, String profile,
            Boolean replaced, String failure) implements AuditDetails {
        public FileChecked {
            requireNonNull(request, "request is null");
        }

        public static FileChecked failed(String request, int round, String file, String failure) {
            return new FileChecked(request, round, file, null, null, null, null, null, null, failure);
        }
    }

    /** A move of the state machine ({@link Transitions}): from, to, in which round, and what goes with the move. */
    record Moved(String request, String from, String to, Integer round, String kind, String regulator, List<String> reviewers,
            String message, Map<String, Object> files, Boolean recovered, Map<String, String> pkg) implements AuditDetails {
        public Moved {
            requireNonNull(request, "request is null");
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
        }

        public static Moved of(String request, RequestStatus from, RequestStatus to, Integer round) {
            return new Moved(request, from.label(), to.label(), round, null, null, null, null, null, null, null);
        }

        /** With the kind and regulator of a regulatory request (unchanged for an output). */
        public Moved withRequest(ExportRequest r) {
            return r.isRegulatory() ? new Moved(request, from, to, round, r.kind(), r.regulator(), reviewers, message, files, recovered, pkg)
                    : this;
        }

        public Moved withReviewers(List<String> who) {
            return new Moved(request, from, to, round, kind, regulator, List.copyOf(who), message, files, recovered, pkg);
        }

        public Moved withMessage(String m) {
            return new Moved(request, from, to, round, kind, regulator, reviewers, m, files, recovered, pkg);
        }

        public Moved withFiles(Map<String, Object> hashes) {
            return new Moved(request, from, to, round, kind, regulator, reviewers, message, hashes, recovered, pkg);
        }

        public Moved withRecovered(boolean r) {
            return new Moved(request, from, to, round, kind, regulator, reviewers, message, files, r, pkg);
        }

        public Moved withPackage(Map<String, String> hashes) {
            return new Moved(request, from, to, round, kind, regulator, reviewers, message, files, recovered, hashes);
        }
    }

    /** A reviewer's decisions on the files of a round. */
    record ReviewDecided(String request, int round, Map<String, Object> decisions, String reviewerRole, String kind, String regulator,
            Boolean revisedAfterReveal) implements AuditDetails {
        public ReviewDecided {
            requireNonNull(request, "request is null");
        }
    }

    /** Conflicts between the two stewards settled, file by file. */
    record ReviewResolved(String request, int round, Map<String, Object> resolutions) implements AuditDetails {
        public ReviewResolved {
            requireNonNull(request, "request is null");
        }
    }

    /** A release tried again after one was rolled back. */
    record ReleaseRetried(String request, int round, String kind, String regulator) implements AuditDetails {
        public ReleaseRetried {
            requireNonNull(request, "request is null");
        }
    }

    /** A release rolled back, and why. */
    record ReleaseRolledBack(String request, String reason) implements AuditDetails {
        public ReleaseRolledBack {
            requireNonNull(request, "request is null");
        }
    }

    /** A released file (or a part of a regulatory package) downloaded: which bytes. */
    record FileDownloaded(String request, String file, String sha256) implements AuditDetails {
        public FileDownloaded {
            requireNonNull(request, "request is null");
        }
    }
}
