package jp.nmi.enclave.project;

import java.util.List;

/**
 * The committee approved providing record-level data to named regulators for pharmaceutical
 * approval (optional in a spec; null when absent): only then does the egress service accept a
 * regulatory request, and only to these destinations.
 *
 * @param purpose what the submission is for, as approved (e.g. the product and the application)
 * @param destinations regulator codes ({@link Regulator})
 */
public record RegulatoryDeclaration(String purpose, List<String> destinations) {
    public RegulatoryDeclaration {
        destinations = List.copyOf(destinations);
    }
}
