package jp.nmi.egress.disclosure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OLS, logit and probit fits with a constant, enough to put the coefficients in the report and to
 * count what the disclosure rule needs: observations and residual degrees of freedom
 * (n - regressors - 1).
 */
final class Regression {
    private Regression() {}

    static Table table(OutputSpec spec, Data data) {
        int y = data.column(spec.response());
        int[] xs = spec.regressors().stream().mapToInt(data::column).toArray();
        int n = data.size();
        int k = xs.length + 1;
        double[][] x = new double[n][k];
        double[] yv = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = 1;
            for (int j = 0; j < xs.length; j++) {
                x[i][j + 1] = data.number(i, xs[j]);
            }
            yv[i] = data.number(i, y);
            if (spec.kind() != OutputSpec.Kind.OLS && yv[i] != 0 && yv[i] != 1) {
                throw new DisclosureException("row " + (i + 2) + ": " + spec.response() + " is " + yv[i] + "; a " + spec.kind().name()
                        .toLowerCase(java.util.Locale.ROOT) + " response is 0 or 1");
            }
        }
        double[] beta = n > k ? (spec.kind() == OutputSpec.Kind.OLS ? ols(x, yv) : irls(x, yv, spec.kind())) : new double[k];
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("const"));
        spec.regressors().forEach(r -> rows.add(List.of(r)));
        Double[][] values = new Double[k][1];
        for (int j = 0; j < k; j++) {
            values[j][0] = n > k ? beta[j] : null;
        }
        String[] who = Tables.contributors(spec, data);
        List<List<Map<String, Double>>> contributions = Table.emptyContributions(k, 1);
        for (int j = 0; j < k; j++) {
            for (String w : who) {
                contributions.get(j).get(0).merge(w, 1.0, Double::sum);
            }
        }
        return new Table(Table.Kind.REGRESSION, rows, List.of(List.of("coef")), values, contributions, false, false);
    }

    /** Residual degrees of freedom of a model with a constant. */
    static int dof(int observations, int regressors) {
        return observations - regressors - 1;
    }

    static double[] ols(double[][] x, double[] y) {
        int k = x[0].length;
        double[][] xtx = new double[k][k];
        double[] xty = new double[k];
        for (int i = 0; i < x.length; i++) {
            for (int a = 0; a < k; a++) {
                xty[a] += x[i][a] * y[i];
                for (int b = 0; b < k; b++) {
                    xtx[a][b] += x[i][a] * x[i][b];
                }
            }
        }
        return solve(xtx, xty);
    }

    /** Iteratively reweighted least squares for logit (and probit, with its own link). */
    static double[] irls(double[][] x, double[] y, OutputSpec.Kind kind) {
        int k = x[0].length;
        double[] beta = new double[k];
        for (int iteration = 0; iteration < 50; iteration++) {
            double[][] h = new double[k][k];
            double[] g = new double[k];
            for (int i = 0; i < x.length; i++) {
                double eta = 0;
                for (int a = 0; a < k; a++) {
                    eta += x[i][a] * beta[a];
                }
                double mu;
                double dmu;
                if (kind == OutputSpec.Kind.LOGIT) {
                    mu = 1 / (1 + Math.exp(-eta));
                    dmu = mu * (1 - mu);
                } else {
                    mu = normalCdf(eta);
                    dmu = Math.exp(-eta * eta / 2) / Math.sqrt(2 * Math.PI);
                }
                mu = Math.min(1 - 1e-10, Math.max(1e-10, mu));
                double w = dmu * dmu / (mu * (1 - mu));
                double z = (y[i] - mu) / Math.max(dmu, 1e-12);
                for (int a = 0; a < k; a++) {
                    g[a] += x[i][a] * w * z;
                    for (int b = 0; b < k; b++) {
                        h[a][b] += x[i][a] * w * x[i][b];
                    }
                }
            }
            double[] step = solve(h, g);
            double change = 0;
            for (int a = 0; a < k; a++) {
                beta[a] += step[a];
                change = Math.max(change, Math.abs(step[a]));
            }
            if (change < 1e-8) {
                break;
            }
        }
        return beta;
    }

    /** Gauss-Jordan with partial pivoting; a singular system gives NaN (reported, not hidden). */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            if (Math.abs(m[col][col]) < 1e-12) {
                double[] nan = new double[n];
                java.util.Arrays.fill(nan, Double.NaN);
                return nan;
            }
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = m[r][col] / m[col][col];
                    for (int c = col; c <= n; c++) {
                        m[r][c] -= f * m[col][c];
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = m[i][n] / m[i][i];
        }
        return out;
    }

    private static double normalCdf(double x) {
        // Abramowitz-Stegun 7.1.26 on erf
        double t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.sqrt(2));
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-x * x / 2);
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
