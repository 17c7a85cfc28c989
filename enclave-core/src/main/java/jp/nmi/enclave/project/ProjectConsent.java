package jp.nmi.enclave.project;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.consent.ConsentRegistry;
import jp.nmi.enclave.ingest.DuoCodes;

/**
 * What dynamic consent means for one project.
 *
 * <ul>
 *   <li>A participant <em>leaves</em> a project from the next statement once a change recorded since
 *       its extract was written gives them a consent that does not cover the project's purpose. In
 *       a non-commercial project with industry members, a change that prohibits commercial use
 *       hides the participant from every member until the next apply (fail closed: the audience's
 *       own files are rebuilt then, and academic members see them again).
 *   <li>Leaving is sticky: a participant who left and widened their consent again stays out.
 *   <li>A participant whose consent <em>widens</em> to cover the purpose (or who left and widened
 *       again) joins at a later apply only if the spec sets {@code cohort.admit_widened_consent};
 *       otherwise the extract records them as not admitted, and they stay out of every later
 *       rebuild too. The same holds for an industry audience: allowing commercial use again does
 *       not put anyone back into it silently.
 * </ul>
 */
public final class ProjectConsent {
    /** Keys of {@link ProjectState.Extract#notAdmitted()}: the whole project, and the industry audience. */
    public static final String PROJECT = "project";
    public static final String AUDIENCE = ExtractBuilder.COMMERCIAL_USE_AUDIENCE;

    private ProjectConsent() {}

    /** Whether the project has an audience of its own (industry members of a non-commercial project). */
    static boolean hasAudience(ProjectSpec spec) {
        return !spec.purpose().commercial() && spec.members().stream().anyMatch(ProjectMember::isIndustry);
    }

    /** Whether {@code consent} lets the participant into the project (its purpose), for academic members. */
    static boolean coversProject(ProjectSpec spec, ConsentRegistry.Consent consent) {
        return Consent.covers(consent.duoCodes(), consent.commercialUseProhibited(), spec.purpose());
    }

    /** Whether {@code consent} allows commercial use: what an industry member's view needs. */
    static boolean allowsCommercial(ConsentRegistry.Consent consent) {
        return !consent.commercialUseProhibited()
                && (consent.duoCodes() == null || consent.duoCodes().stream().noneMatch(DuoCodes.NON_COMMERCIAL::contains));
    }

    /**
     * Provider pseudonyms of participants who, by a change recorded at or after sequence number
     * {@code since}, had a consent that no longer lets them be seen in the project.
     *
     * @param everyone also those who withdrew commercial use in a project with an industry audience
     *     (what statements hide until the next apply); false for the whole-project coverage only
     */
    public static Set<String> leftSince(ProjectSpec spec, ConsentRegistry consents, int since, boolean everyone) {
        Set<String> out = new HashSet<>();
        boolean audience = everyone && hasAudience(spec);
        for (ConsentRegistry.Entry e : consents.since(since)) {
            if (e.duoCodes() == null) {
                // codes unchanged, commercial use withdrawn
                if (e.commercialUseProhibited() && (spec.purpose().commercial() || audience)) {
                    out.add(e.pseudonym());
                }
                continue;
            }
            ConsentRegistry.Consent c = new ConsentRegistry.Consent(e.duoCodes(), e.commercialUseProhibited());
            if (!coversProject(spec, c) || (audience && !allowsCommercial(c))) {
                out.add(e.pseudonym());
            }
        }
        return out;
    }

    /**
     * Refuses a consent registry shorter than the one {@code extract} was built with: it was lost
     * or replaced (a restore from an older backup), and reading it as "no changes" would let back
     * in everyone who left. Restore the registry (it only ever grows) before anything goes on.
     */
    public static void checkIntact(ConsentRegistry consents, ProjectState.Extract extract, String project) {
        checkIntact(consents, extract == null || extract.consentSequence() == null ? 0 : extract.consentSequence(), project);
    }

    /**
     * As above, against the number of changes the project has seen ({@link ProjectStore#consentSeen}):
     * what its extract was built with, or what its policies were last written with.
     */
    public static void checkIntact(ConsentRegistry consents, int seen, String project) {
        if (consents.sequence() < seen) {
            throw new jp.nmi.enclave.error.EnclaveStorageException("the consent registry holds " + consents.sequence()
                    + " change(s), but project " + project + " has seen " + seen
                    + ": it was lost or replaced; restore /enclave/optout/consent.json before anything else (nothing was changed)");
        }
    }

    /** The sequence number an extract was built at: 0 for an extract older than dynamic consent (every change counts). */
    static int sequenceOf(ProjectState.Extract extract) {
        return extract == null || extract.consentSequence() == null ? 0 : extract.consentSequence();
    }

    /** The registry's entries by participant, in order. */
    static Map<String, List<Indexed>> byParticipant(ConsentRegistry consents) {
        Map<String, List<Indexed>> out = new HashMap<>();
        List<ConsentRegistry.Entry> all = consents.entries();
        for (int i = 0; i < all.size(); i++) {
            out.computeIfAbsent(all.get(i).pseudonym(), p -> new ArrayList<>()).add(new Indexed(i, all.get(i)));
        }
        return out;
    }

    /** An entry with its sequence number. */
    record Indexed(int sequence, ConsentRegistry.Entry entry) {}

    /**
     * One participant's consent at a rebuild, and whether the project may take them.
     *
     * @param now the consent in force now (the datasets' with every change on top)
     * @param project whether the participant may be in the project's files
     * @param audience whether the participant may be in the industry audience's files (if the project has one)
     * @param heldFromProject covered now, but widened since the last extract and the spec does not admit widened consent
     * @param heldFromAudience allows commercial use now, but did not at the last extract (or withdrew since), not admitted
     */
    record Decision(ConsentRegistry.Consent now, boolean project, boolean audience, boolean heldFromProject, boolean heldFromAudience) {}

    /**
     * Decides one participant at a (re)build.
     *
     * @param base the consent the datasets carry
     * @param changes the participant's recorded changes, in order (may be empty)
     * @param previous the extract in force before this build, or null for the first
     */
    static Decision decide(ProjectSpec spec, String pseudonym, ConsentRegistry.Consent base, List<Indexed> changes,
            ProjectState.Extract previous) {
        int since = sequenceOf(previous);
        ConsentRegistry.Consent atPrevious = base;
        ConsentRegistry.Consent now = base;
        boolean leftProject = false;
        boolean leftAudience = false;
        for (Indexed i : changes) {
            now = ConsentRegistry.fold(now, List.of(i.entry()));
            if (i.sequence() < since) {
                atPrevious = now;
            } else {
                leftProject |= !coversProject(spec, now);
                leftAudience |= !allowsCommercial(now);
            }
        }
        boolean project = coversProject(spec, now);
        boolean audience = project && allowsCommercial(now);
        boolean admit = spec.cohort().admitWidenedConsent();
        boolean heldFromProject = false;
        boolean heldFromAudience = false;
        if (previous != null && !admit && project) {
            boolean wasHeld = notAdmitted(previous, PROJECT).contains(pseudonym);
            boolean widened = !changes.isEmpty() && (!coversProject(spec, atPrevious) || leftProject);
            if (wasHeld || widened) {
                project = false;
                audience = false;
                heldFromProject = true;
            }
        }
        if (previous != null && !admit && audience && hasAudience(spec)) {
            boolean wasHeld = notAdmitted(previous, AUDIENCE).contains(pseudonym);
            boolean widened = !changes.isEmpty() && (!allowsCommercial(atPrevious) || leftAudience);
            if (wasHeld || widened) {
                audience = false;
                heldFromAudience = true;
            }
        }
        return new Decision(now, project, audience, heldFromProject, heldFromAudience);
    }

    static Set<String> notAdmitted(ProjectState.Extract extract, String scope) {
        if (extract == null || extract.notAdmitted() == null) {
            return Set.of();
        }
        return new HashSet<>(extract.notAdmitted().getOrDefault(scope, List.of()));
    }

    /**
     * Why a change's label contradicts what it does, or null: a {@code narrow} whose consent covers a
     * purpose the previous one did not, a {@code widen} that no longer covers one it did. Checked on
     * every permission (GRU, HMB, POA, the diseases either names), commercial and not.
     */
    static String contradiction(jp.nmi.enclave.consent.ConsentChangeKind kind, ConsentRegistry.Consent was, ConsentRegistry.Consent after) {
        if (kind != jp.nmi.enclave.consent.ConsentChangeKind.NARROW && kind != jp.nmi.enclave.consent.ConsentChangeKind.WIDEN) {
            return null;
        }
        List<ProjectSpec.Purpose> probes = new ArrayList<>();
        java.util.Set<String> diseases = new java.util.TreeSet<>();
        for (ConsentRegistry.Consent c : List.of(was, after)) {
            if (c.duoCodes() != null) {
                c.duoCodes().stream().filter(d -> d.startsWith("DS:")).forEach(d -> diseases.add(d.substring(3)));
            }
        }
        for (boolean commercial : new boolean[] {false, true}) {
            for (String code : List.of("GRU", "HMB", "POA")) {
                probes.add(new ProjectSpec.Purpose(code, null, commercial));
            }
            for (String disease : diseases) {
                probes.add(new ProjectSpec.Purpose("DS", disease, commercial));
            }
        }
        for (ProjectSpec.Purpose p : probes) {
            boolean before = Consent.covers(was.duoCodes(), was.commercialUseProhibited(), p);
            boolean now = Consent.covers(after.duoCodes(), after.commercialUseProhibited(), p);
            String purpose = p.code() + (p.disease() == null ? "" : " " + p.disease()) + (p.commercial() ? " (commercial)" : "");
            if (kind == jp.nmi.enclave.consent.ConsentChangeKind.NARROW && now && !before) {
                return "the change says narrow, but the consent after it covers " + purpose + ", which the consent before it did not";
            }
            if (kind == jp.nmi.enclave.consent.ConsentChangeKind.WIDEN && before && !now) {
                return "the change says widen, but the consent after it no longer covers " + purpose;
            }
        }
        return null;
    }
}
