package jp.nmi.enclave.project;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.transparency.DataUseRegister;

/**
 * The projects' part of the public data-use register, from the specs as applied: each project's
 * public fields, with what its spec withholds left out here, on the provider's side, so that the
 * register's files (which the egress service also writes) never hold it.
 */
public final class RegisterEntries {
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    private RegisterEntries() {}

    /** Every project ever applied, as the register shows it. */
    public static List<DataUseRegister.ProjectEntry> all(EnclaveStorage storage) {
        ProjectStore store = new ProjectStore(storage);
        List<DataUseRegister.ProjectEntry> out = new ArrayList<>();
        for (String id : store.ids()) {
            store.state(id).ifPresent(s -> out.add(of(s)));
        }
        return out;
    }

    static DataUseRegister.ProjectEntry of(ProjectState s) {
        ProjectSpec spec = s.spec();
        ProjectSpec.Register r = spec.registerOrDefault();
        List<DataUseRegister.Organisation> organisations = new ArrayList<>();
        if (r.organisations().isEmpty() || r.withholds("organisations")) {
            // the kinds are always public: whether industry takes part is never confidential
            spec.members().stream().map(ProjectMember::affiliation).distinct().sorted()
                    .forEach(k -> organisations.add(new DataUseRegister.Organisation(null, k)));
        } else {
            r.organisations().forEach(o -> organisations.add(new DataUseRegister.Organisation(o.name(), o.kind())));
        }
        Map<String, List<String>> datasets = new TreeMap<>();
        spec.datasets().forEach((k, v) -> datasets.put(k, List.copyOf(v)));
        String closedOn = s.closedAt() == null ? null : Instant.parse(s.closedAt()).atZone(TOKYO).toLocalDate().toString();
        // closed with a certificate: the data were destroyed (closed without one is a close that did not finish)
        String destroyedOn = !s.isActive() && s.certificate() != null ? closedOn : null;
        return new DataUseRegister.ProjectEntry(spec.id(), r.withholds("title") ? null : spec.title(),
                r.withholds("summary") ? null : r.summary(),
                new DataUseRegister.Purpose(spec.purpose().code(), spec.purpose().disease(), spec.purpose().commercial()),
                spec.approval().reference(), spec.approval().date().toString(), organisations, datasets, spec.start().toString(),
                spec.end().toString(), s.isActive() ? "active" : "closed", closedOn, destroyedOn, r.confidential());
    }
}
