package jp.nmi.enclave.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The record of shown counts, over every kind of pair an attacker can build (issue 17: differencing). */
class TestAnsweredSets {
    static int[] set(int... members) {
        int[] k = members.clone();
        Arrays.sort(k);
        return k;
    }

    @Test
    void theDifferenceOfTwoSortedSetsIsCountedBothWays() {
        assertThat(AnsweredSets.differ(set(1, 2, 3), set(1, 2, 3), 10)).isZero();
        assertThat(AnsweredSets.differ(set(1, 2, 3), set(2, 3, 4), 10)).isEqualTo(2);
        assertThat(AnsweredSets.differ(set(), set(5, 6), 10)).isEqualTo(2);
        assertThat(AnsweredSets.differ(set(-5, 1), set(-5), 10)).isEqualTo(1);
        // two people sharing 32 bits of key only make sets look closer
        assertThat(AnsweredSets.differ(set(7, 7, 9), set(7, 9), 10)).isEqualTo(1);
    }

    /**
     * For every size of cohort and every difference from 0 to 9, added or removed: the second query
     * is answered as the first, so the pair of answers is the same whatever the difference.
     */
    @Test
    void aPairDifferingInFewerThanTheThresholdAnswersAsAPairDifferingInNone() {
        SplittableRandom random = new SplittableRandom(17);
        for (int n = 0; n <= 60; n++) {
            for (int d = 0; d <= 9; d++) {
                for (boolean removed : new boolean[] {true, false}) {
                    AnsweredSets record = AnsweredSets.inMemory();
                    int[] first = IntStream.generate(random::nextInt).limit(n + 9).sorted().toArray();
                    int[] a = Arrays.copyOf(first, n + (removed ? 9 : 0));
                    int[] b = removed ? Arrays.copyOf(a, a.length - d) : Arrays.copyOf(first, n + d);
                    record.record(List.of(a), List.of("shown-a"));
                    assertThat(record.earlierWithin(b, 10)).as("n=%d d=%d removed=%s", n, d, removed).get()
                            .extracting(AnsweredSets.Shown::shown).isEqualTo("shown-a");
                }
            }
        }
    }

    @Test
    void aSetTenOrMoreAwayIsNewAndTheEarliestCloseOneAnswers() {
        AnsweredSets record = AnsweredSets.inMemory();
        int[] a = IntStream.range(0, 100).toArray();
        int[] b = IntStream.range(0, 90).toArray();
        int[] c = IntStream.range(0, 95).toArray();
        record.record(List.of(a), List.of("100"));
        assertThat(record.earlierWithin(b, 10)).isEmpty();
        record.record(List.of(b), List.of("90"));
        // within 9 of both: the one shown first answers
        assertThat(record.earlierWithin(c, 10)).get().extracting(AnsweredSets.Shown::shown).isEqualTo("100");
        // same size, different people: not close
        assertThat(record.earlierWithin(IntStream.range(1000, 1100).toArray(), 10)).isEmpty();
    }

    @Test
    void aSetIsKeptDeltaEncodedAndReadBackExactly() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (int[] s : List.of(set(), set(Integer.MIN_VALUE, -1, 0, 0, Integer.MAX_VALUE),
                IntStream.generate(random::nextInt).limit(10_000).sorted().toArray())) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                AnsweredSets.writeSet(out, s);
            }
            assertThat(AnsweredSets.readSet(new ByteArrayInputStream(bytes.toByteArray()))).isEqualTo(s);
        }
    }
}
