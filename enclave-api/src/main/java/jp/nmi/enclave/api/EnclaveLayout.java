package jp.nmi.enclave.api;

import static java.util.Objects.requireNonNull;

import org.apache.hadoop.fs.Path;

/**
 * Where everything lives under the enclave root on HDFS (ARCHITECTURE.md section 2).
 *
 * <pre>
 * &lt;root&gt;/datasets/_registry.json              the published datasets (the commit point of ingest)
 * &lt;root&gt;/datasets/&lt;name&gt;/&lt;snapshot&gt;/part-*.parquet
 * &lt;root&gt;/staging/&lt;ingest id&gt;/                 work in progress, never read by anyone
 * &lt;root&gt;/optout/registry.json                 provider pseudonyms of opted-out patients
 * &lt;root&gt;/projects/&lt;id&gt;/{extract,workspace,outbox}/
 * &lt;root&gt;/egress/quarantine/&lt;request&gt;/&lt;sha256&gt;
 * &lt;root&gt;/egress/pending/&lt;project&gt;/&lt;request&gt;     open requests (closure refuses while any)
 * </pre>
 */
public record EnclaveLayout(Path root) {
    /**
     * The root's mode: only the enclave's account lists it; others (the egress service's user,
     * analysts for whom the enclave writes into an outbox) pass through to what their own ACLs
     * grant. Nobody else learns what the enclave holds.
     */
    public static final int ROOT_MODE = 0711;
    /** The HDFS account of the enclave's processes (its principals map to it); the egress service's is another. */
    public static final String ENCLAVE_ACCOUNT = "enclave";

    public EnclaveLayout {
        requireNonNull(root, "root is null");
    }

    public Path datasets() {
        return new Path(root, "datasets");
    }

    public Path registry() {
        return new Path(datasets(), "_registry.json");
    }

    public Path dataset(String name) {
        return new Path(datasets(), name);
    }

    public Path staging() {
        return new Path(root, "staging");
    }

    public Path optout() {
        return new Path(root, "optout");
    }

    public Path optoutRegistry() {
        return new Path(optout(), "registry.json");
    }

    /** Consent changes from the provider's consent system (dynamic consent), beside the opt-outs: provider-only. */
    public Path consentRegistry() {
        return new Path(optout(), "consent.json");
    }

    public Path projects() {
        return new Path(root, "projects");
    }

    public Path project(String id) {
        return new Path(projects(), id);
    }

    /** The discovery service's records of each researcher's queries (budget, what was answered). */
    public Path discovery() {
        return new Path(root, "discovery");
    }

    public Path egress() {
        return new Path(root, "egress");
    }

    public Path quarantine() {
        return new Path(egress(), "quarantine");
    }

    /**
     * Where the egress service marks a project's requests that are still open (one empty file per
     * request): project closure reads it to refuse closing while exports are pending.
     */
    public Path pendingExports(String project) {
        return new Path(pending(), project);
    }

    /** The egress service's marks of open requests, per project ({@link PendingExports}). */
    public Path pending() {
        return new Path(egress(), "pending");
    }
}
