package jp.nmi.enclave.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The perturbation of a count: the same for the same people, spread evenly over -noise..+noise across sets. */
class TestNoise {
    static final long[] SECRET = {0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L};

    @Test
    void theSamePeopleGetTheSamePerturbationWhateverTheirOrderAndAnotherSecretAnother() {
        long[] a = LongStream.rangeClosed(1, 50).map(Discovery::mix).toArray();
        long[] reversed = LongStream.rangeClosed(1, 50).map(i -> Discovery.mix(51 - i)).toArray();
        assertThat(Discovery.perturbation(a, SECRET, 5)).isEqualTo(Discovery.perturbation(reversed, SECRET, 5));
        int differs = 0;
        for (long s = 0; s < 100; s++) {
            differs += Discovery.perturbation(a, new long[] {s, s + 1}, 5) != Discovery.perturbation(a, SECRET, 5) ? 1 : 0;
        }
        assertThat(differs).as("the secret decides").isGreaterThan(70);
    }

    @Test
    void perturbationsAreSpreadEvenlyOverTheirRangeAndOnePersonMoreDrawsAfresh() {
        SplittableRandom random = new SplittableRandom(5);
        int[] histogram = new int[11];
        int same = 0;
        int sets = 22_000;
        for (int i = 0; i < sets; i++) {
            long[] keys = LongStream.generate(random::nextLong).limit(1 + random.nextInt(40)).toArray();
            int d = Discovery.perturbation(keys, SECRET, 5);
            assertThat(d).isBetween(-5, 5);
            histogram[d + 5]++;
            long[] onePersonMore = java.util.Arrays.copyOf(keys, keys.length + 1);
            onePersonMore[keys.length] = random.nextLong();
            same += Discovery.perturbation(onePersonMore, SECRET, 5) == d ? 1 : 0;
        }
        for (int h : histogram) {
            assertThat(h).as("each value about 1/11 of the time").isBetween(sets / 11 - 250, sets / 11 + 250);
        }
        assertThat(same).as("one person more: an independent draw").isBetween(sets / 11 - 250, sets / 11 + 250);
        assertThat(Discovery.perturbation(new long[] {1, 2, 3}, SECRET, 0)).isZero();
    }
}
