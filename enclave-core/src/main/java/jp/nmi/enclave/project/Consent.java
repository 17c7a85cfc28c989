package jp.nmi.enclave.project;

import java.util.List;
import java.util.Set;

/**
 * Whether a participant's consent (GA4GH DUO codes) covers a project's purpose. Ontology
 * reasoning is not done: a disease-specific consent covers exactly its MONDO term.
 */
final class Consent {
    private static final Set<String> NON_COMMERCIAL = Set.of("NPU", "NCU", "NPUNCU");

    private Consent() {}

    static boolean covers(List<String> duoCodes, boolean commercialUseProhibited, ProjectSpec.Purpose purpose) {
        if (duoCodes == null) {
            return false;
        }
        if (purpose.commercial() && (commercialUseProhibited || duoCodes.stream().anyMatch(NON_COMMERCIAL::contains))) {
            return false;
        }
        String permission = duoCodes.stream().filter(c -> c.equals("GRU") || c.equals("HMB") || c.equals("POA") || c.startsWith("DS:"))
                .findFirst().orElse("");
        return switch (purpose.code()) {
            case "GRU" -> permission.equals("GRU");
            case "HMB" -> permission.equals("GRU") || permission.equals("HMB");
            case "DS" -> permission.equals("GRU") || permission.equals("HMB") || permission.equals("DS:" + purpose.disease());
            case "POA" -> permission.equals("GRU") || permission.equals("POA");
            default -> false;
        };
    }
}
