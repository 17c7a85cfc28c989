package jp.nmi.enclave.demo;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import jp.nmi.enclave.demo.DemoWorld.Person;

/**
 * Diagnoses, consents, lab results and clinical notes for a synthetic person. Prevalences follow
 * age and sex roughly as in a Japanese hospital biobank; they are plausible, not epidemiology.
 */
final class ClinicalModel {
    /** DUO disease terms used for disease-specific (DS) consent. */
    static final String MONDO_BREAST_CANCER = "MONDO:0007254";
    static final String MONDO_DEMENTIA = "MONDO:0001627";

    record Diagnosis(String icd10, LocalDate date) {}

    record LabResult(String testCode, double value, String unit, LocalDate date) {}

    record Note(String text, LocalDate date) {}

    private static final String[] BREAST_CANCER_CODES = {"C50.1", "C50.2", "C50.3", "C50.4", "C50.5", "C50.8", "C50.9", "C50.9"};
    private static final String[] DEMENTIA_CODES = {"G30.1", "G30.1", "G30.0", "G30.9", "F00.1", "F01.9", "F01.9", "F03", "F03", "F02.3"};

    List<Diagnosis> diagnoses(Person p, SplittableRandom rnd) {
        List<Diagnosis> out = new ArrayList<>();
        int a = p.ageAtEnrolment;
        boolean female = p.sex.equals("F");
        double breast = female ? Math.min(0.12, 0.02 + 0.0018 * Math.max(0, a - 30)) : 0.001;
        if (rnd.nextDouble() < breast) {
            out.add(dx(p, BREAST_CANCER_CODES[rnd.nextInt(BREAST_CANCER_CODES.length)], rnd));
            p.hasBreastCancer = true;
        }
        double dementia = a < 60 ? 0.002 : Math.min(0.4, 0.012 * Math.exp((a - 60) / 8.0));
        if (rnd.nextDouble() < dementia) {
            String code = DEMENTIA_CODES[rnd.nextInt(DEMENTIA_CODES.length)];
            out.add(dx(p, code, rnd));
            if (code.equals("G30.1") && rnd.nextDouble() < 0.4) {
                out.add(dx(p, "F00.1", rnd)); // dagger-asterisk dual coding
            }
            p.hasDementia = true;
        }
        addIf(out, p, rnd, 0.10 + 0.006 * Math.max(0, a - 30), "I10");
        addIf(out, p, rnd, 0.03 + 0.002 * Math.max(0, a - 30), "E11.9");
        addIf(out, p, rnd, 0.05, "J45.9");
        addIf(out, p, rnd, 0.0004 * Math.max(0, a - 30), "C18.9");
        addIf(out, p, rnd, (female ? 0.0002 : 0.0005) * Math.max(0, a - 30), "C34.1");
        addIf(out, p, rnd, female ? 0.004 : 0.02, "I21.9");
        addIf(out, p, rnd, female && a >= 50 ? 0.12 : 0.01, "M81.0");
        addIf(out, p, rnd, 0.08, "K21.9");
        addIf(out, p, rnd, 0.05, "F32.9");
        addIf(out, p, rnd, 0.03, "N18.3");
        return List.copyOf(out);
    }

    private void addIf(List<Diagnosis> out, Person p, SplittableRandom rnd, double probability, String code) {
        if (rnd.nextDouble() < probability) {
            out.add(dx(p, code, rnd));
        }
    }

    private Diagnosis dx(Person p, String code, SplittableRandom rnd) {
        LocalDate earliest = max(p.enrolledOn.minusYears(8), p.birthDate.plusYears(18));
        LocalDate latest = DemoWorld.min(p.enrolledOn.plusYears(6), DemoWorld.LAST_DATE);
        long span = Math.max(1, latest.toEpochDay() - earliest.toEpochDay());
        return new Diagnosis(code, earliest.plusDays(rnd.nextLong(span)));
    }

    void consent(Person p, SplittableRandom rnd) {
        List<String> codes = new ArrayList<>();
        double u = rnd.nextDouble();
        if (u < 0.15 && (p.hasBreastCancer || p.hasDementia)) {
            codes.add("DS:" + (p.hasBreastCancer ? MONDO_BREAST_CANCER : MONDO_DEMENTIA));
        } else if (u < 0.55) {
            codes.add("HMB");
        } else {
            codes.add("GRU");
        }
        p.commercialUseProhibited = rnd.nextDouble() < 0.22;
        if (p.commercialUseProhibited) {
            codes.add("NPU");
        }
        if (rnd.nextDouble() < 0.10) {
            codes.add("PUB");
        }
        p.duoCodes = List.copyOf(codes);
    }

    List<LabResult> labResults(Person p, SplittableRandom rnd) {
        List<LabResult> out = new ArrayList<>();
        int visits = rnd.nextInt(5);
        boolean diabetic = p.diagnoses.stream().anyMatch(d -> d.icd10().startsWith("E11"));
        for (int v = 0; v < visits; v++) {
            LocalDate date = DemoWorld.min(p.enrolledOn.plusDays(rnd.nextInt(6 * 365)), DemoWorld.LAST_DATE);
            int age = p.ageOn(date);
            out.add(new LabResult("HBA1C", round1(diabetic ? normal(rnd, 7.3, 1.0) : normal(rnd, 5.5, 0.35)), "%", date));
            if (rnd.nextDouble() < 0.7) {
                out.add(new LabResult("LDL", round1(Math.max(30, normal(rnd, 122, 30))), "mg/dL", date));
            }
            if (rnd.nextDouble() < 0.6) {
                out.add(new LabResult("EGFR", round1(clamp(normal(rnd, 100 - 0.7 * Math.max(0, age - 25), 13), 5, 140)),
                        "mL/min/1.73m2", date));
            }
            if (rnd.nextDouble() < 0.4) {
                out.add(new LabResult("CRP", round2(Math.exp(normal(rnd, -2.2, 1.0))), "mg/dL", date));
            }
            if (age >= 60 || p.hasDementia) {
                double mmse = p.hasDementia ? normal(rnd, 18, 5) : normal(rnd, 28.3, 1.3);
                out.add(new LabResult("MMSE", Math.round(clamp(mmse, 0, 30)), "score", date));
            }
            if (p.hasBreastCancer) {
                out.add(new LabResult("CA15-3", round1(Math.max(2, rnd.nextDouble() < 0.2 ? normal(rnd, 60, 25) : normal(rnd, 18, 7))),
                        "U/mL", date));
            }
        }
        return out;
    }

    private static final String[] COMPLAINTS = {
        "reports mild fatigue", "no new complaints", "blood pressure well controlled", "reports intermittent headache",
        "follow-up after imaging", "medication adherence good", "reports knee pain on stairs", "sleep has improved"
    };
    private static final String[] PLANS = {
        "continue current medication", "repeat labs in 3 months", "refer to dietitian", "schedule imaging",
        "review at next visit", "adjust dose"
    };
    private static final String[] COMPLAINTS_JA = {"倦怠感あり", "特記事項なし", "血圧は安定", "頭痛の訴えあり", "服薬良好"};

    List<Note> notes(Person p, SplittableRandom rnd) {
        List<Note> out = new ArrayList<>();
        int n = rnd.nextDouble() < 0.4 ? 0 : 1 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) {
            LocalDate date = DemoWorld.min(p.enrolledOn.plusDays(rnd.nextInt(5 * 365)), DemoWorld.LAST_DATE);
            String complaint = COMPLAINTS[rnd.nextInt(COMPLAINTS.length)];
            String plan = PLANS[rnd.nextInt(PLANS.length)];
            String text = switch (rnd.nextInt(8)) {
                // Clinicians write identifiers into free text; ingest must scrub them.
                case 0 -> "Pt " + p.fullName() + " (" + p.fullNameKana() + ") " + complaint + ". Plan: " + plan + ".";
                case 1 -> "患者 " + p.family.kanji() + "様、" + COMPLAINTS_JA[rnd.nextInt(COMPLAINTS_JA.length)]
                        + "。連絡先 " + p.phone + "。";
                case 2 -> "Hospital ID " + p.hospitalId + ", DOB " + p.birthDate + ": " + complaint + ".";
                case 3 -> "Insurance " + p.insuranceNumber + " verified; lives at " + p.address + ". " + complaint + ".";
                default -> String.format(Locale.ROOT, "Follow-up visit: %s. Plan: %s.", complaint, plan);
            };
            out.add(new Note(text, date));
        }
        return out;
    }

    private static double normal(SplittableRandom rnd, double mean, double sd) {
        // Box-Muller; one value per call keeps the stream simple and deterministic.
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    static double gaussian(SplittableRandom rnd) {
        return normal(rnd, 0, 1);
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }
}
