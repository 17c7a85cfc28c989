package jp.nmi.enclave.genomics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** What answers disclose, as linear algebra over the atoms, against a brute-force check on small cases. */
class TestAnsweredAtoms {
    static long[] range(long from, long to) {
        return LongStream.range(from, to).toArray();
    }

    static long[] concat(long[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToLong(LongStream::of).toArray();
    }

    @Test
    void aSubtractionDisclosesTheDifference() {
        AnsweredAtoms a = AnsweredAtoms.empty().answering(range(0, 50));
        assertThat(a.disclosesFewerThan(10)).isFalse();
        assertThat(a.answering(range(0, 45)).disclosesFewerThan(10)).isTrue();   // 45..49: five
        assertThat(a.answering(range(0, 40)).disclosesFewerThan(10)).isFalse();  // ten
        assertThat(a.answering(range(0, 50)).disclosesFewerThan(10)).isFalse();  // the same again
    }

    @Test
    void threeStrataCanDiscloseWhatNoTwoDo() {
        // A = 0..49, B = 5..99, C = 50..99: A - B + C = 0..4
        AnsweredAtoms ab = AnsweredAtoms.empty().answering(range(0, 50)).answering(range(5, 100));
        assertThat(ab.disclosesFewerThan(10)).isFalse();
        assertThat(ab.answering(range(50, 100)).disclosesFewerThan(10)).isTrue();
    }

    @Test
    void aUnionOfSmallAtomsIsAsDisclosedAsOneSmallAtom() {
        // women of Tohoku (3: 100..102) and men of Tohoku (3: 200..202); women elsewhere 110..159, men of Kanto 210..259,
        // women of Kanto among the women elsewhere (110..134). Asked: sex=F, region=Kanto, region=Kanto|Tohoku.
        long[] women = concat(range(100, 103), range(110, 160));
        long[] kanto = concat(range(110, 135), range(210, 260));
        long[] kantoTohoku = concat(range(100, 103), range(110, 135), range(200, 203), range(210, 260));
        AnsweredAtoms a = AnsweredAtoms.empty().answering(women).answering(kanto);
        assertThat(a.disclosesFewerThan(10)).isFalse();
        // Kanto|Tohoku - Kanto = the six of Tohoku, though neither three alone can be worked out
        assertThat(a.answering(kantoTohoku).disclosesFewerThan(10)).isTrue();
    }

    @Test
    void someoneLeavingAndSomeoneJoiningIsADifferenceOfTwo() {
        AnsweredAtoms a = AnsweredAtoms.empty().answering(range(0, 21));
        // 0 left, 99 joined: the same stratum again is 1..20 and 99
        long[] again = concat(range(1, 21), new long[] {99});
        assertThat(a.answering(again).disclosesFewerThan(10)).isTrue();
    }

    @Test
    void marginalsLeaveTheirCrossCellsUnknown() {
        // a 3 x 3 grid of cells of 4: rows and columns answered, no cell (4 < 10) can be worked out
        AnsweredAtoms m = AnsweredAtoms.empty();
        for (int r = 0; r < 3; r++) {
            long[] row = new long[12];
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 4; k++) {
                    row[c * 4 + k] = r * 100 + c * 10 + k;
                }
            }
            m = m.answering(row);
        }
        for (int c = 0; c < 3; c++) {
            long[] col = new long[12];
            for (int r = 0; r < 3; r++) {
                for (int k = 0; k < 4; k++) {
                    col[r * 4 + k] = r * 100 + c * 10 + k;
                }
            }
            m = m.answering(col);
            assertThat(m.disclosesFewerThan(10)).isFalse();
        }
        // one cell asked outright is itself too small; the row minus the two other cells pins it down
        long[] twoCells = {0, 1, 2, 3, 10, 11, 12, 13};
        assertThat(m.answering(twoCells).disclosesFewerThan(10)).isTrue();
    }

    @Test
    void whoLeftStaysInTheirAtom() {
        AnsweredAtoms a = AnsweredAtoms.empty().answering(range(0, 30));
        // participant 7 leaves; the same stratum asked again holds the 29 others
        long[] without = LongStream.range(0, 30).filter(k -> k != 7).toArray();
        assertThat(a.answering(without).disclosesFewerThan(10)).isTrue();
        // someone new (30) joining the stratum is as much a difference
        assertThat(a.answering(range(0, 31)).disclosesFewerThan(10)).isTrue();
    }

    @Test
    void randomStrataFlagOnlyRealDisclosuresAndEveryOneOfASingleSmallGroup() {
        SplittableRandom r = new SplittableRandom(3);
        int flagged = 0;
        for (int trial = 0; trial < 200; trial++) {
            int n = 12;
            int min = 3;
            AnsweredAtoms a = AnsweredAtoms.empty();
            java.util.List<long[]> answered = new java.util.ArrayList<>();
            for (int q = 0; q < 4; q++) {
                long[] s = LongStream.range(0, n).filter(x -> r.nextInt(3) > 0).toArray();
                AnsweredAtoms next = a.answering(s);
                java.util.List<long[]> with = new java.util.ArrayList<>(answered);
                with.add(s);
                boolean ours = next.disclosesFewerThan(min);
                // nothing flagged is a false alarm: some combination of the answers weighs fewer than min
                if (ours) {
                    flagged++;
                    assertThat(bruteForce(with, n, min, false)).as("trial %d query %d flagged", trial, q).isTrue();
                }
                // every single small group that can be worked out is flagged
                if (bruteForce(with, n, min, true)) {
                    assertThat(ours).as("trial %d query %d missed a small atom", trial, q).isTrue();
                }
                a = next;
                answered.add(s);
            }
        }
        assertThat(flagged).isPositive();
    }

    /**
     * Whether a nonzero combination of the answered sets lives on atoms of fewer than {@code min}
     * participants in all ({@code single}: on one atom), by trying every such set of atoms.
     */
    static boolean bruteForce(java.util.List<long[]> sets, int n, int min, boolean single) {
        java.util.Map<String, java.util.List<Integer>> atoms = new java.util.LinkedHashMap<>();
        for (int p = 0; p < n; p++) {
            StringBuilder sig = new StringBuilder();
            for (long[] s : sets) {
                int pp = p;
                sig.append(LongStream.of(s).anyMatch(x -> x == pp) ? '1' : '0');
            }
            if (sig.indexOf("1") >= 0) {
                atoms.computeIfAbsent(sig.toString(), k -> new java.util.ArrayList<>()).add(p);
            }
        }
        java.util.List<String> sigs = new java.util.ArrayList<>(atoms.keySet());
        int cols = sigs.size();
        double[][] m = new double[sets.size()][cols];
        for (int i = 0; i < sets.size(); i++) {
            for (int c = 0; c < cols; c++) {
                m[i][c] = sigs.get(c).charAt(i) == '1' ? 1 : 0;
            }
        }
        int rank = rank(m);
        for (int mask = 1; mask < (1 << cols); mask++) {
            if (single && Integer.bitCount(mask) != 1) {
                continue;
            }
            int weight = 0;
            for (int c = 0; c < cols; c++) {
                if ((mask & (1 << c)) != 0) {
                    weight += atoms.get(sigs.get(c)).size();
                }
            }
            if (weight >= min) {
                continue;
            }
            // a nonzero combination supported on these atoms exists iff dropping their columns lowers the rank
            double[][] rest = new double[m.length][];
            for (int i = 0; i < m.length; i++) {
                int k = 0;
                rest[i] = new double[cols - Integer.bitCount(mask)];
                for (int c = 0; c < cols; c++) {
                    if ((mask & (1 << c)) == 0) {
                        rest[i][k++] = m[i][c];
                    }
                }
            }
            if (rank(rest) < rank) {
                return true;
            }
        }
        return false;
    }

    static int rank(double[][] a) {
        double[][] m = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            m[i] = a[i].clone();
        }
        int rank = 0;
        int cols = m.length == 0 ? 0 : m[0].length;
        for (int c = 0; c < cols && rank < m.length; c++) {
            int pivot = -1;
            for (int i = rank; i < m.length; i++) {
                if (Math.abs(m[i][c]) > 1e-9) {
                    pivot = i;
                    break;
                }
            }
            if (pivot < 0) {
                continue;
            }
            double[] t = m[pivot];
            m[pivot] = m[rank];
            m[rank] = t;
            for (int i = 0; i < m.length; i++) {
                if (i != rank && Math.abs(m[i][c]) > 1e-9) {
                    double f = m[i][c] / m[rank][c];
                    for (int j = 0; j < cols; j++) {
                        m[i][j] -= f * m[rank][j];
                    }
                }
            }
            rank++;
        }
        return rank;
    }

    @Test
    void theRecordIsBoundedInAtomsAndInCells() {
        assertThat(AnsweredAtoms.tooLarge(10, 200_000)).isFalse();
        assertThat(AnsweredAtoms.tooLarge(10, 200_001)).isTrue();
        assertThat(AnsweredAtoms.tooLarge(100, 200_000)).isFalse();
        assertThat(AnsweredAtoms.tooLarge(101, 200_000)).isTrue();
        assertThat(AnsweredAtoms.empty().answering(range(0, 50)).atoms()).isEqualTo(1);
    }

    @Test
    void writtenAndReadBackItIsTheSameRecord() throws Exception {
        AnsweredAtoms a = AnsweredAtoms.empty().answering(range(0, 50)).answering(range(20, 80));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        a.write(out);
        AnsweredAtoms b = AnsweredAtoms.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(b.atoms()).isEqualTo(a.atoms());
        assertThat(b.answering(range(0, 45)).disclosesFewerThan(10)).isEqualTo(a.answering(range(0, 45)).disclosesFewerThan(10)).isTrue();
        assertThat(b.answering(range(0, 20)).disclosesFewerThan(10)).isFalse();
    }
}
