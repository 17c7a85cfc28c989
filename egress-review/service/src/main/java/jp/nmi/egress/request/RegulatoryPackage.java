package jp.nmi.egress.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.enclave.project.Regulator;

/**
 * What a regulatory submission's release carries beside the approved bytes: a manifest (what, for
 * whom, why, who approved each file and when) and a checksum list in the format {@code sha256sum -c}
 * reads, covering every file and the manifest. Both are made from the request's records only (the
 * reviews with the role each was made in), so a retried release writes the same bytes, and what is
 * published or downloaded is compared with them.
 */
public record RegulatoryPackage(byte[] manifest, byte[] checksums) {
    public static final String MANIFEST = "MANIFEST.json";
    public static final String CHECKSUMS = "SHA256SUMS";
    /** Names a file of a regulatory submission may not have: the package's own. */
    public static final List<String> NAMES = List.of(MANIFEST, CHECKSUMS);
    public static final int FORMAT = 1;

    /** The part of the package called {@code name}. */
    public byte[] part(String name) {
        return name.equals(MANIFEST) ? manifest.clone() : checksums.clone();
    }
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The package of {@code r} from its records: the same records give the same bytes, at release and whenever it is read. */
    public static RegulatoryPackage of(ExportRequest r, List<RequestFile> files, List<Review> round, List<Resolution> resolutions) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("request", r.id());
        m.put("project", r.project());
        m.put("kind", r.kind());
        m.put("regulator", r.regulator());
        m.put("regulator_name", Regulator.of(r.regulator()).map(x -> x.fullName(Locale.ENGLISH)).orElse(r.regulator()));
        m.put("purpose", r.regulatoryPurpose());
        m.put("author", r.author());
        m.put("description", r.context());
        m.put("controls", r.controls());
        m.put("round", r.round());
        List<Map<String, Object>> fileList = new ArrayList<>();
        for (RequestFile f : files) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", f.name());
            x.put("sha256", f.sha256());
            x.put("size", f.size());
            List<Map<String, Object>> approvals = new ArrayList<>();
            for (Review v : round) {
                if (v.fileName().equals(f.name())) {
                    Map<String, Object> a = new LinkedHashMap<>();
                    a.put("reviewer", v.reviewer());
                    a.put("role", v.reviewerRole());
                    a.put("decision", v.decision().label());
                    a.put("decided_at", v.decidedAt().toString());
                    approvals.add(a);
                }
            }
            x.put("reviews", approvals);
            for (Resolution z : resolutions) {
                if (z.fileName().equals(f.name())) {
                    x.put("resolution", Map.of("resolver", z.resolver(), "decision", z.decision().label(), "resolved_at",
                            z.resolvedAt().toString()));
                }
            }
            fileList.add(x);
        }
        m.put("files", fileList);
        byte[] manifest;
        try {
            manifest = JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the manifest of " + r.id() + ": " + e.getMessage(), e);
        }
        StringBuilder sums = new StringBuilder();
        for (RequestFile f : files) {
            sums.append(f.sha256()).append("  ").append(f.name()).append('\n');
        }
        sums.append(EgressStore.sha256(manifest)).append("  ").append(MANIFEST).append('\n');
        return new RegulatoryPackage(manifest, sums.toString().getBytes(StandardCharsets.UTF_8));
    }
}
