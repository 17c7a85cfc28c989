package jp.nmi.egress.disclosure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rule and profile on tables worked out by hand. */
class TestDisclosureRules {
    @TempDir
    Path dir;

    /** Row-level data: one row per contributor unless given. */
    static Data data(String header, List<String> rows) throws IOException {
        return Data.readCsv(new StringReader(header + "\n" + String.join("\n", rows) + "\n"), "test.csv");
    }

    static List<String> repeat(int n, String prefix, String rest) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i + "," + rest);
        }
        return out;
    }

    /** 3 x 3: rows a1 and a2 have 20 people in each cell, row a3 has 5. */
    static Data threeByThree() throws IOException {
        List<String> rows = new ArrayList<>();
        for (String a : List.of("a1", "a2", "a3")) {
            for (String b : List.of("b1", "b2", "b3")) {
                rows.addAll(repeat(a.equals("a3") ? 5 : 20, a + b + "-p", a + "," + b));
            }
        }
        return data("participant_id,a,b", rows);
    }

    static List<List<Integer>> cells(Check c) {
        return c.cells().stream().map(x -> List.of(x[0], x[1])).toList();
    }

    @Test
    void aThreeByThreeCrosstabWhoseLastRowCountsFiveFailsTheThresholdOnExactlyThoseCells() throws IOException {
        Report r = DisclosureChecker.check(Profile.named("acro"), threeByThree(), "crosstab index=a columns=b",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(r.status()).isEqualTo(Status.FAIL);
        assertThat(cells(r.check(RuleId.THRESHOLD))).containsExactly(List.of(2, 0), List.of(2, 1), List.of(2, 2));
        assertThat(r.check(RuleId.THRESHOLD).detail()).startsWith("3 cell(s) with 1 to 9 contributors: row 3, column 1 (a3 x b1)");
        assertThat(r.toMap().get("table")).isEqualTo(Map.of("index", List.of("a1", "a2", "a3"), "columns", List.of("b1", "b2", "b3"),
                "values", List.of(List.of(20L, 20L, 20L), List.of(20L, 20L, 20L), List.of(5L, 5L, 5L))));
        // the same table passes NDB's rule only where counts are 10 or more, and zero is fine there
        assertThat(DisclosureChecker.check(Profile.named("ndb"), threeByThree(), "crosstab index=a columns=b",
                DisclosureChecker.Options.REPORT_ONLY).check(RuleId.THRESHOLD).cells()).hasSize(3);
    }

    @Test
    void aMagnitudeTableWithOneDominantContributorFailsNkAndPercentOnThatCellOnly() throws IOException {
        List<String> rows = new ArrayList<>();
        for (String g : List.of("F", "M")) {
            for (String h : List.of("x", "y")) {
                for (int i = 0; i < 12; i++) {
                    double v = g.equals("M") && h.equals("y") && i == 0 ? 5000 : 10 + i;
                    rows.add(g + h + i + "," + g + "," + h + "," + v);
                }
            }
        }
        Report r = DisclosureChecker.check(Profile.named("acro"), data("participant_id,g,h,cost", rows),
                "crosstab index=g columns=h values=cost aggfunc=sum", DisclosureChecker.Options.REPORT_ONLY);
        assertThat(cells(r.check(RuleId.NK))).containsExactly(List.of(1, 1));
        assertThat(cells(r.check(RuleId.P_RATIO))).containsExactly(List.of(1, 1));
        assertThat(r.check(RuleId.THRESHOLD).status()).isEqualTo(Status.PASS);
        assertThat(r.status()).isEqualTo(Status.FAIL);
        assertThat(r.check(RuleId.NK).detail()).startsWith("1 cell(s) where the 2 largest contributions exceed 90% of the total: row 2, column 2 (M x y)");
    }

    @ParameterizedTest
    @CsvSource({"13,fail,9", "14,pass,10"})
    void olsWithThreeRegressorsAndAConstantNeedsFourteenRows(int n, String status, int dof) throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(i + "," + (2 * i + (i % 3)) + "," + (i % 4) + "," + (i * i % 7) + "," + (3 + i % 5));
        }
        Report r = DisclosureChecker.check(Profile.named("acro"), data("participant_id,y,x1,x2,x3", rows), "ols y ~ x1 + x2 + x3",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(r.check(RuleId.DOF).status().label()).isEqualTo(status);
        assertThat(r.check(RuleId.DOF).detail()).isEqualTo(n + " observations, 3 regressors and a constant: " + dof
                + " residual degrees of freedom (minimum 10)");
        assertThat(r.table().rowLabels()).containsExactly(List.of("const"), List.of("x1"), List.of("x2"), List.of("x3"));
        assertThat(r.status().label()).isEqualTo(status);
    }

    @Test
    void olsRecoversAKnownLineAndLogitASeparatingSign() throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rows.add(i + "," + (1.5 + 2 * i) + "," + i + "," + (i % 2 == 0 ? (i < 20 ? 0 : 1) : (i < 10 ? 0 : 1)));
        }
        Report ols = DisclosureChecker.check(Profile.named("acro"), data("participant_id,y,x,b", rows), "ols y ~ x",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(ols.table().value(0, 0)).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ols.table().value(1, 0)).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
        Report logit = DisclosureChecker.check(Profile.named("acro"), data("participant_id,y,x,b", rows), "logit b ~ x",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(logit.table().value(1, 0)).isPositive();
        assertThat(logit.check(RuleId.DOF).status()).isEqualTo(Status.PASS);
    }

    @Test
    void midpointSixMapsZeroToZeroOneToSixToThreeSevenToTwelveToNine() {
        assertThat(Rounding.midpoint6(0)).isZero();
        for (int i = 1; i <= 6; i++) {
            assertThat(Rounding.midpoint6(i)).as("%d", i).isEqualTo(3);
        }
        for (int i = 7; i <= 12; i++) {
            assertThat(Rounding.midpoint6(i)).as("%d", i).isEqualTo(9);
        }
        assertThat(Rounding.midpoint6(13)).isEqualTo(15);
        assertThat(Rounding.nearest(12, 5)).isEqualTo(10);
        assertThat(Rounding.nearest(13, 5)).isEqualTo(15);
    }

    /** A 3 x 3 table with margins where one cell counts 4. */
    static Data withSmallCell() throws IOException {
        int[][] counts = {{20, 30, 25}, {15, 4, 40}, {35, 22, 18}};
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                rows.addAll(repeat(counts[i][j], "r" + i + "c" + j + "-", "r" + i + ",c" + j));
            }
        }
        return data("participant_id,r,c", rows);
    }

    @Test
    void secondarySuppressionWithMarginsSurvivesTheLinearProgrammingAudit() throws IOException {
        Report r = DisclosureChecker.check(Profile.named("acro"), withSmallCell(), "crosstab index=r columns=c margins=true",
                new DisclosureChecker.Options(true, null, null, null));
        assertThat(r.suppressed()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(r.suppressed().stream().map(x -> List.of(x[0], x[1]))).contains(List.of(1, 1));
        assertThat(r.table().value(1, 1)).isNull();
        assertThat(r.check(RuleId.SUPPRESSION_AUDIT).status()).as(r.check(RuleId.SUPPRESSION_AUDIT).detail()).isEqualTo(Status.PASS);
        assertThat(r.check(RuleId.THRESHOLD).status()).isEqualTo(Status.REVIEW);
        assertThat(r.status()).isEqualTo(Status.REVIEW);
        // no row or column (margins included) holds exactly one suppressed cell
        for (int i = 0; i < 4; i++) {
            int row = i;
            int col = i;
            assertThat(r.suppressed().stream().filter(x -> x[0] == row).count()).isNotEqualTo(1);
            assertThat(r.suppressed().stream().filter(x -> x[1] == col).count()).isNotEqualTo(1);
        }
    }

    @Test
    void theAuditFindsACellThatTheMarginsGiveAway() throws IOException {
        Table t = Tables.build(OutputSpec.parse("crosstab index=r columns=c margins=true"), withSmallCell());
        boolean[][] hidden = new boolean[4][4];
        hidden[1][1] = true; // primary suppression alone
        List<Suppression.Interval> intervals = Suppression.audit(t, hidden);
        assertThat(intervals).hasSize(1);
        assertThat(intervals.get(0).lower()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(intervals.get(0).upper()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(1e-5));
        hidden[1][0] = true;
        hidden[2][1] = true;
        hidden[2][0] = true;
        for (Suppression.Interval iv : Suppression.audit(t, hidden)) {
            assertThat(iv.lower()).isLessThanOrEqualTo(t.value(iv.row(), iv.column()));
            assertThat(iv.upper()).isGreaterThanOrEqualTo(t.value(iv.row(), iv.column()));
        }
        // the 2x2 block: [1,1] can range from 0 to 19 given the margins (4 + 15 in its row, 4 + 22 in its column ...)
        Suppression.Interval cell = Suppression.audit(t, hidden).get(0);
        assertThat(cell.width()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void profilesDifferAsTheyShould() throws IOException {
        List<String> rows = new ArrayList<>(repeat(30, "a", "x,k"));
        rows.addAll(repeat(12, "b", "y,k"));
        rows.addAll(repeat(30, "c", "x,l"));
        Data d = data("participant_id,g,h", rows); // y x l is empty; y x k has 12
        Report ndb = DisclosureChecker.check(Profile.named("ndb"), d, "crosstab index=g columns=h", DisclosureChecker.Options.REPORT_ONLY);
        Report acro = DisclosureChecker.check(Profile.named("acro"), d, "crosstab index=g columns=h", DisclosureChecker.Options.REPORT_ONLY);
        Report aou = DisclosureChecker.check(Profile.named("all-of-us"), d, "crosstab index=g columns=h", DisclosureChecker.Options.REPORT_ONLY);
        Report os = DisclosureChecker.check(Profile.named("opensafely"), d, "crosstab index=g columns=h", DisclosureChecker.Options.REPORT_ONLY);
        assertThat(ndb.status()).isEqualTo(Status.PASS);
        assertThat(cells(acro.check(RuleId.ZEROS))).containsExactly(List.of(1, 1));
        assertThat(acro.status()).isEqualTo(Status.FAIL);
        assertThat(cells(aou.check(RuleId.THRESHOLD))).containsExactly(List.of(1, 0));
        assertThat(os.check(RuleId.THRESHOLD).status()).isEqualTo(Status.PASS);
        assertThat(cells(os.check(RuleId.ROUNDING))).containsExactly(List.of(1, 0));
        assertThat(os.status()).isEqualTo(Status.REVIEW);
        Report rounded = DisclosureChecker.check(Profile.named("opensafely"), d, "crosstab index=g columns=h",
                new DisclosureChecker.Options(true, null, null, null));
        assertThat(rounded.table().value(1, 0)).isEqualTo(10.0);
        assertThat(rounded.status()).isEqualTo(Status.REVIEW);
        Report midpoint = DisclosureChecker.check(Profile.named("opensafely"), d, "crosstab index=g columns=h",
                new DisclosureChecker.Options(false, "midpoint6", null, null));
        assertThat(midpoint.table().value(1, 0)).isEqualTo(9.0);
        assertThat(midpoint.table().value(0, 0)).isEqualTo(27.0); // 30 is in (24, 30]
    }

    @Test
    void aHistogramHasNoEmptyTopBinFromBinEdgeArithmetic() throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i <= 100; i++) {
            rows.add(i + "," + i);
        }
        Report r = DisclosureChecker.check(Profile.named("ndb"), data("participant_id,x", rows), "hist x bins=10",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(r.table().rows()).isEqualTo(10);
        assertThat(r.table().value(9, 0)).isEqualTo(11.0); // 90..100, the maximum included
        assertThat(r.table().rowLabels().get(9)).containsExactly("[90, 100]");
        assertThat(r.check(RuleId.THRESHOLD).status()).isEqualTo(Status.PASS);
        assertThat(r.status()).isEqualTo(Status.PASS);
    }

    @Test
    void kaplanMeierStepsWithFewAtRiskFail() throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(i + "," + (i + 1) + "," + (i % 3 == 0 ? 1 : 0) + ",g1");
        }
        Report r = DisclosureChecker.check(Profile.named("acro"), data("participant_id,time,event,arm", rows), "km time event group=arm",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(r.table().columnLabels()).containsExactly(List.of("at_risk"), List.of("events"), List.of("survival"));
        Check survival = r.check(RuleId.SURVIVAL);
        assertThat(survival.status()).isEqualTo(Status.FAIL);
        // the last steps have fewer than 10 at risk, and every step has 1 event
        assertThat(survival.cells()).anySatisfy(c -> assertThat(c[1]).isEqualTo(0));
        assertThat(r.table().value(0, 0)).isEqualTo(40.0);
    }

    @Test
    void aCellThatDiffersFromAReleasedCellByAFewContributorsIsFlaggedNamingTheRelease() throws IOException {
        Path history = dir.resolve("history");
        Data first = data("participant_id,sex", repeat(40, "p", "F"));
        DisclosureChecker.check(Profile.named("acro"), first, "crosstab index=sex", new DisclosureChecker.Options(false, null, history, "REQ-1"));
        Data second = data("participant_id,sex", repeat(37, "p", "F")); // the same people but three
        Report r = DisclosureChecker.check(Profile.named("acro"), second, "crosstab index=sex",
                new DisclosureChecker.Options(false, null, history, null));
        assertThat(r.check(RuleId.DIFFERENCING).status()).isEqualTo(Status.FAIL);
        assertThat(r.check(RuleId.DIFFERENCING).detail())
                .isEqualTo("row 1, column 1 (F x count) differs by 3 contributor(s) from cell F x count of release REQ-1");
        assertThat(r.status()).isEqualTo(Status.FAIL);
        // other people altogether: nothing to subtract
        Data others = data("participant_id,sex", repeat(37, "q", "F"));
        assertThat(DisclosureChecker.check(Profile.named("acro"), others, "crosstab index=sex",
                new DisclosureChecker.Options(false, null, history, null)).check(RuleId.DIFFERENCING).status()).isEqualTo(Status.PASS);
        // the history holds salted hashes, never the identifiers
        assertThat(java.nio.file.Files.readString(history.resolve("REQ-1.json"))).doesNotContain("p1").contains("\"release\" : \"REQ-1\"");
    }

    @Test
    void filesTheChecksCannotReadGoToReviewAndOtherTypesAreBlocked() {
        assertThat(DisclosureChecker.checkFile("plot.png")).extracting(Check::rule, c -> c.status())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(RuleId.FILE_TYPE, Status.PASS),
                        org.assertj.core.groups.Tuple.tuple(RuleId.MANUAL_REVIEW, Status.REVIEW));
        assertThat(DisclosureChecker.checkFile("plot.png").get(1).detail())
                .isEqualTo("'plot.png' is an image: no automatic check reads the numbers a picture shows; a steward must review it");
        List<Check> exe = DisclosureChecker.checkFile("model.pkl");
        assertThat(exe).hasSize(1);
        assertThat(exe.get(0).status()).isEqualTo(Status.FAIL);
        assertThat(exe.get(0).detail()).startsWith("'model.pkl': .pkl files may not leave the enclave (allowed: csv, html, jpeg, jpg,");
    }

    @Test
    void badSpecsAndProfilesAreNamed() {
        assertThatThrownBy(() -> OutputSpec.parse("pivot index=a")).isInstanceOf(DisclosureException.class)
                .hasMessage("unknown output kind 'pivot' (crosstab, ols, logit, probit, hist, km)");
        assertThatThrownBy(() -> OutputSpec.parse("crosstab columns=b")).isInstanceOf(DisclosureException.class)
                .hasMessage("crosstab needs index=<column>[,<column>...] in 'crosstab columns=b'");
        assertThatThrownBy(() -> OutputSpec.parse("crosstab index=a,b,c columns=d,e")).isInstanceOf(DisclosureException.class)
                .hasMessage("a crosstab has at most 4 dimensions; 'crosstab index=a,b,c columns=d,e' has 5");
        assertThatThrownBy(() -> OutputSpec.parse("crosstab index=a colour=b")).isInstanceOf(DisclosureException.class)
                .hasMessage("unknown option 'colour' in 'crosstab index=a colour=b' (options: aggfunc, columns, id, index, margins, values)");
        assertThatThrownBy(() -> Profile.named("strict")).isInstanceOf(DisclosureException.class)
                .hasMessage("unknown disclosure profile 'strict' (profiles: ndb, acro, opensafely, all-of-us)");
        assertThatThrownBy(() -> DisclosureChecker.check(Profile.named("acro"), threeByThreeUnchecked(), "crosstab index=z",
                DisclosureChecker.Options.REPORT_ONLY)).isInstanceOf(DisclosureException.class)
                .hasMessage("the data has no column 'z' (columns: participant_id, a, b)");
    }

    @Test
    void multiLevelIndexesAreTheProductOfLevelsAscendingWithMarginsLast() throws IOException {
        List<String> rows = new ArrayList<>();
        rows.addAll(repeat(11, "a", "F,20-29,x"));
        rows.addAll(repeat(12, "b", "M,30-39,y"));
        Report r = DisclosureChecker.check(Profile.named("ndb"), data("participant_id,sex,band,z", rows),
                "crosstab index=sex,band columns=z margins=true", DisclosureChecker.Options.REPORT_ONLY);
        @SuppressWarnings("unchecked")
        Map<String, Object> table = (Map<String, Object>) r.toMap().get("table");
        assertThat(table.get("index")).isEqualTo(List.of(List.of("F", "20-29"), List.of("F", "30-39"), List.of("M", "20-29"),
                List.of("M", "30-39"), List.of("All", "")));
        assertThat(table.get("columns")).isEqualTo(List.of("x", "y", "All"));
        assertThat(table.get("values")).isEqualTo(List.of(List.of(11L, 0L, 11L), List.of(0L, 0L, 0L), List.of(0L, 0L, 0L),
                List.of(0L, 12L, 12L), List.of(11L, 12L, 23L)));
        assertThat(List.copyOf(r.toMap().keySet()).subList(0, 5)).containsExactly("status", "profile", "table", "checks", "suppressed");
    }

    @ParameterizedTest
    @CsvSource({"mean, 15.5", "median, 15.5", "std, 3.605551275463989"})
    void meanMedianAndStandardDeviationAreComputedPerCellAndStillMagnitudeChecked(String aggfunc, double expected) throws IOException {
        // every cell: twelve people with 10, 11, ..., 21; one cell has a dominant contributor instead of 21
        List<String> rows = new ArrayList<>();
        for (String g : List.of("F", "M")) {
            for (int i = 0; i < 12; i++) {
                rows.add(g + i + "," + g + "," + (g.equals("M") && i == 11 ? 9000 : 10 + i));
            }
        }
        Report r = DisclosureChecker.check(Profile.named("acro"), data("participant_id,g,cost", rows),
                "crosstab index=g values=cost aggfunc=" + aggfunc, DisclosureChecker.Options.REPORT_ONLY);
        assertThat(r.table().value(0, 0)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.table().rowLabels()).containsExactly(List.of("F"), List.of("M"));
        // the dominance rules look at the contributions behind the statistic, whatever the statistic
        assertThat(cells(r.check(RuleId.NK))).containsExactly(List.of(1, 0));
        assertThat(r.check(RuleId.THRESHOLD).status()).isEqualTo(Status.PASS);
    }

    @Test
    void probitFindsTheSameSignAsLogitAndCountsItsDegreesOfFreedom() throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rows.add(i + "," + i + "," + (i % 2 == 0 ? (i < 20 ? 0 : 1) : (i < 10 ? 0 : 1)));
        }
        Report probit = DisclosureChecker.check(Profile.named("acro"), data("participant_id,x,b", rows), "probit b ~ x",
                DisclosureChecker.Options.REPORT_ONLY);
        assertThat(probit.table().rowLabels()).containsExactly(List.of("const"), List.of("x"));
        assertThat(probit.table().value(1, 0)).isPositive();
        assertThat(probit.table().value(0, 0)).isNegative();
        assertThat(probit.check(RuleId.DOF).detail()).isEqualTo("30 observations, 1 regressor and a constant: 28 residual degrees of freedom"
                + " (minimum 10)");
    }

    @Test
    void threeDimensionalCrosstabsCountEveryCombinationAndFlagTheSmallOnes() throws IOException {
        List<String> rows = new ArrayList<>();
        rows.addAll(repeat(15, "a", "F,north,x"));
        rows.addAll(repeat(3, "b", "F,south,x"));
        rows.addAll(repeat(20, "c", "M,north,y"));
        Report r = DisclosureChecker.check(Profile.named("acro"), data("participant_id,sex,region,z", rows),
                "crosstab index=sex,region columns=z", DisclosureChecker.Options.REPORT_ONLY);
        assertThat(r.table().rowLabels()).containsExactly(List.of("F", "north"), List.of("F", "south"), List.of("M", "north"),
                List.of("M", "south"));
        assertThat(r.table().value(1, 0)).isEqualTo(3.0);
        assertThat(cells(r.check(RuleId.THRESHOLD))).containsExactly(List.of(1, 0));
        assertThat(r.check(RuleId.THRESHOLD).detail()).startsWith("1 cell(s) with 1 to 9 contributors: row 2, column 1 (F/south x x)");
    }

    @Test
    void kaplanMeierWithTwoGroupsChecksEachGroupsSteps() throws IOException {
        List<String> rows = new ArrayList<>();
        // big: 30 people, ten events at each of times 1, 2 and 3 (at risk 30, 20, 10); small: 4 people, one event each
        for (int i = 0; i < 30; i++) {
            rows.add("a" + i + "," + (1 + i / 10) + ",1,big");
        }
        for (int i = 0; i < 4; i++) {
            rows.add("b" + i + "," + (i + 1) + ",1,small");
        }
        Report r = DisclosureChecker.check(Profile.named("acro"), data("participant_id,time,event,arm", rows), "km time event group=arm",
                DisclosureChecker.Options.REPORT_ONLY);
        List<String> groups = r.table().rowLabels().stream().map(l -> l.get(0)).distinct().toList();
        assertThat(groups).containsExactly("big", "small");
        // every step of the small group has fewer than 10 at risk and 1 event; none of the big group's steps fails
        Check survival = r.check(RuleId.SURVIVAL);
        assertThat(survival.status()).isEqualTo(Status.FAIL);
        List<Integer> failingRows = survival.cells().stream().map(c -> c[0]).distinct().sorted().toList();
        List<Integer> smallRows = new ArrayList<>();
        for (int i = 0; i < r.table().rowLabels().size(); i++) {
            if (r.table().rowLabels().get(i).get(0).equals("small")) {
                smallRows.add(i);
            }
        }
        assertThat(smallRows).hasSize(4);
        assertThat(failingRows).isEqualTo(smallRows);
    }

    private static Data threeByThreeUnchecked() {
        try {
            return threeByThree();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
