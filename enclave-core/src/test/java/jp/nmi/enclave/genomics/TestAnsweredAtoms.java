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
    void randomStrataAgreeWithABruteForceSearchForSmallGroups() {
        SplittableRandom r = new SplittableRandom(3);
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
                assertThat(next.disclosesFewerThan(min)).as("trial %d query %d", trial, q).isEqualTo(bruteForce(with, n, min));
                a = next;
                answered.add(s);
            }
        }
    }

    /** Whether some set of 1 to min-1 participants that the answered sets never split has a unit vector in their span (over the rationals). */
    static boolean bruteForce(java.util.List<long[]> sets, int n, int min) {
        // atoms: participants with the same membership pattern
        java.util.Map<String, java.util.List<Integer>> atoms = new java.util.LinkedHashMap<>();
        for (int p = 0; p < n; p++) {
            StringBuilder sig = new StringBuilder();
            for (long[] s : sets) {
                int pp = p;
                sig.append(LongStream.of(s).anyMatch(x -> x == pp) ? '1' : '0');
            }
            atoms.computeIfAbsent(sig.toString(), k -> new java.util.ArrayList<>()).add(p);
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
        for (int c = 0; c < cols; c++) {
            int size = atoms.get(sigs.get(c)).size();
            if (sigs.get(c).indexOf('1') < 0 || size >= min) {
                continue; // in no answered set, or large enough
            }
            double[][] with = java.util.Arrays.copyOf(m, m.length + 1);
            with[m.length] = new double[cols];
            with[m.length][c] = 1;
            if (rank(with) == rank) {
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
