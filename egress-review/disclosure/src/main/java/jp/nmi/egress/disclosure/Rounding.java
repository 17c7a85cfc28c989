package jp.nmi.egress.disclosure;

/** Rounding of counts: to the nearest multiple of a base, or midpoint-6 (0 stays 0; 1-6 to 3; 7-12 to 9; ...). */
public final class Rounding {
    private Rounding() {}

    public static long nearest(double value, int base) {
        return Math.round(value / base) * base;
    }

    /** OpenSAFELY's midpoint-6 rounding: a count in (6k, 6k+6] becomes 6k+3; zero stays zero. */
    public static long midpoint6(double value) {
        long v = Math.round(value);
        if (v <= 0) {
            return 0;
        }
        return ((v - 1) / 6) * 6 + 3;
    }
}
