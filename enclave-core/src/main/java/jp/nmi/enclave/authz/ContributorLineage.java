package jp.nmi.enclave.authz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.EqualNullSafe;
import org.apache.spark.sql.catalyst.expressions.EqualTo;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.CTERelationDef;
import org.apache.spark.sql.catalyst.plans.logical.CTERelationRef;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.Generate;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.WithCTE;
import scala.Option;
import scala.runtime.BoxedUnit;

/**
 * Whether the contributor column of an output ({@code participant_id}) can be trusted: an output's
 * disclosure checks count the distinct contributors of each cell, so an analyst who can fake them
 * can make any cell look safe ({@code concat(participant_id, '-', r.id) ... CROSS JOIN range(10)}
 * turns one person into ten). Read from the analysed plan, which the analyst cannot phrase around:
 *
 * <ul>
 *   <li>the column must be the {@code participant_id} column of one of the project's person-level
 *       tables, passed through unchanged (renamed at most) by projections, filters, sorts, limits,
 *       grouping keys, joins and CTEs;
 *   <li>every other person-level table the output's rows are built from must be joined to it on
 *       {@code participant_id} (so each row's variables are the same person's);
 *   <li>nothing whose rows are not one person's: unions, set operations, windows, grouping sets,
 *       scalar subqueries among the values, workspace tables (whose columns the analyst made).
 * </ul>
 *
 * A plan that does not meet this is not refused: its output goes to the stewards for manual
 * review with the reason shown ({@link #problem}).
 */
final class ContributorLineage {
    static final String CONTRIBUTOR = "participant_id";

    /** A relation found below the enclave's wrapper: which table, and whether it holds people. */
    private record Origin(SecuredRelation relation, boolean person) {}

    /** Why the lineage cannot be shown. */
    private static final class Untraceable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Untraceable(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Map<Long, CTERelationDef> ctes = new HashMap<>();

    private ContributorLineage() {}

    /** Why the contributors of {@code plan}'s rows cannot be verified, or empty if they can. */
    static Optional<String> problem(LogicalPlan plan) {
        ContributorLineage lineage = new ContributorLineage();
        try {
            lineage.collectCtes(plan);
            Attribute contributor = null;
            for (Attribute a : Scala.list(plan.output())) {
                if (a.name().toLowerCase(Locale.ROOT).equals(CONTRIBUTOR)) {
                    contributor = a;
                }
            }
            if (contributor == null) {
                return Optional.of("the query returns no " + CONTRIBUTOR + " column");
            }
            Origin origin = lineage.trace(plan, contributor.exprId().id());
            if (origin.relation().workspace()) {
                throw new Untraceable(CONTRIBUTOR + " comes from the workspace table " + origin.relation().qualifiedName()
                        + ", whose columns the analyst made");
            }
            lineage.checkRows(plan);
            return Optional.empty();
        } catch (Untraceable e) {
            return Optional.of(e.getMessage());
        }
    }

    private void collectCtes(LogicalPlan plan) {
        if (plan instanceof WithCTE with) {
            for (CTERelationDef def : Scala.list(with.cteDefs())) {
                ctes.put(def.id(), def);
                collectCtes(def.child());
            }
        }
        for (LogicalPlan child : Scala.list(plan.children())) {
            collectCtes(child);
        }
    }

    /** The person-level table whose participant_id the attribute {@code id} of {@code plan}'s output is. */
    private Origin trace(LogicalPlan plan, long id) {
        Option<SecuredRelation> marker = plan.getTagValue(ApplyPolicies.SECURED);
        if (marker.isDefined()) {
            for (NamedExpression e : Scala.list(((Project) plan).projectList())) {
                if (e.exprId().id() == id) {
                    if (!e.name().toLowerCase(Locale.ROOT).equals(CONTRIBUTOR)) {
                        throw new Untraceable(CONTRIBUTOR + " is the column " + e.name() + " of " + marker.get().qualifiedName()
                                + ", not its " + CONTRIBUTOR);
                    }
                    return new Origin(marker.get(), true);
                }
            }
            throw new Untraceable(CONTRIBUTOR + " does not come from a column of " + marker.get().qualifiedName());
        }
        if (plan instanceof Project project) {
            return traceNamed(project.projectList(), project.child(), id, "the select list");
        }
        if (plan instanceof Aggregate aggregate) {
            for (NamedExpression e : Scala.list(aggregate.aggregateExpressions())) {
                if (e.exprId().id() == id) {
                    Expression value = e instanceof Alias alias ? alias.child() : (Expression) e;
                    if (value instanceof AttributeReference a && Scala.list(aggregate.groupingExpressions()).stream()
                            .anyMatch(g -> g instanceof AttributeReference ga && ga.exprId().id() == a.exprId().id())) {
                        return trace(aggregate.child(), a.exprId().id());
                    }
                    throw new Untraceable(CONTRIBUTOR + " is computed by an aggregate, not grouped by");
                }
            }
            throw new Untraceable(CONTRIBUTOR + " is not an output of the aggregation");
        }
        if (plan instanceof Join join) {
            return trace(attribute(join.left(), id) != null ? join.left() : join.right(), id);
        }
        if (plan instanceof WithCTE with) {
            return trace(with.plan(), id);
        }
        if (plan instanceof Generate generate) {
            for (Attribute a : Scala.list(generate.generatorOutput())) {
                if (a.exprId().id() == id) {
                    throw new Untraceable(CONTRIBUTOR + " is generated by " + ((Expression) generate.generator()).prettyName());
                }
            }
            return trace(generate.child(), id);
        }
        if (plan instanceof CTERelationRef ref) {
            CTERelationDef def = ctes.get(ref.cteId());
            if (def == null) {
                throw new Untraceable("a common table expression could not be followed");
            }
            List<Attribute> refOutput = Scala.list(ref.output());
            List<Attribute> defOutput = Scala.list(def.output());
            for (int i = 0; i < refOutput.size(); i++) {
                if (refOutput.get(i).exprId().id() == id) {
                    return trace(def.child(), defOutput.get(i).exprId().id());
                }
            }
            throw new Untraceable("a common table expression could not be followed");
        }
        if (passesRowsThrough(plan)) {
            return trace(plan.children().head(), id);
        }
        throw new Untraceable("the query uses " + plan.nodeName() + ", through which the enclave cannot follow each row's contributor");
    }

    private Origin traceNamed(scala.collection.Seq<NamedExpression> list, LogicalPlan child, long id, String where) {
        for (NamedExpression e : Scala.list(list)) {
            if (e.exprId().id() == id) {
                Expression value = e instanceof Alias alias ? alias.child() : (Expression) e;
                if (value instanceof AttributeReference a) {
                    return trace(child, a.exprId().id());
                }
                throw new Untraceable(CONTRIBUTOR + " is computed in " + where + " (" + abbreviate(value.sql())
                        + "), not taken unchanged from a table");
            }
        }
        throw new Untraceable(CONTRIBUTOR + " could not be followed through " + where);
    }

    /** Every person-level table the rows are built from is joined to the others on participant_id. */
    private void checkRows(LogicalPlan plan) {
        Option<SecuredRelation> marker = plan.getTagValue(ApplyPolicies.SECURED);
        if (marker.isDefined()) {
            if (marker.get().workspace()) {
                // a workspace table holds whatever the analyst put in it, participant_id included
                throw new Untraceable("the query reads the workspace table " + marker.get().qualifiedName()
                        + ", whose columns the analyst made");
            }
            return;
        }
        if (plan instanceof Join join) {
            List<Origin> left = people(join.left());
            List<Origin> right = people(join.right());
            if (!left.isEmpty() && !right.isEmpty() && !joinedOnContributor(join)) {
                throw new Untraceable("the query joins " + names(left) + " with " + names(right) + " other than on "
                        + CONTRIBUTOR + ", so a row's values may be another person's");
            }
            if (join.condition().isDefined() && containsSubquery(join.condition().get())) {
                throw new Untraceable("the query joins on a subquery, which is not about the rows joined");
            }
        } else if (plan instanceof Project || plan instanceof Aggregate || plan instanceof Generate) {
            for (Expression e : Scala.list(plan.expressions())) {
                if (containsSubquery(e)) {
                    throw new Untraceable("the query computes a value with a subquery, which is not the row's own person");
                }
            }
        } else if (plan instanceof Filter filter) {
            checkFilterSubqueries(filter);
        } else if (!(plan instanceof CTERelationRef || plan instanceof WithCTE || passesRowsThrough(plan))) {
            throw new Untraceable("the query uses " + plan.nodeName() + ", through which the enclave cannot follow each row's"
                    + " contributor");
        }
        if (plan instanceof CTERelationRef ref && ctes.containsKey(ref.cteId())) {
            checkRows(ctes.get(ref.cteId()).child());
        }
        if (plan instanceof WithCTE with) {
            checkRows(with.plan());
            return;
        }
        for (LogicalPlan child : Scala.list(plan.children())) {
            checkRows(child);
        }
    }

    /**
     * A filter may keep or drop a row by a subquery only about that row's participant:
     * {@code participant_id IN (SELECT participant_id FROM ...)}. Anything else (EXISTS, a scalar
     * subquery, IN with another left side) can keep or drop the whole output by one person's data.
     */
    private void checkFilterSubqueries(Filter filter) {
        java.util.Set<SubqueryExpression> allowed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        filter.condition().foreach(x -> {
            if (x instanceof org.apache.spark.sql.catalyst.expressions.InSubquery in) {
                List<Expression> values = Scala.list(in.values());
                boolean aboutTheRow = values.size() == 1 && values.get(0) instanceof AttributeReference a && traces(filter.child(), a);
                if (!aboutTheRow) {
                    throw new Untraceable("the query keeps or drops rows by IN (subquery) about something else than each row's "
                            + CONTRIBUTOR);
                }
                if (readsWorkspace(in.query().plan())) {
                    throw new Untraceable("the query keeps or drops rows by a workspace table, whose columns the analyst made");
                }
                allowed.add(in.query());
            }
            return BoxedUnit.UNIT;
        });
        filter.condition().foreach(x -> {
            if (x instanceof SubqueryExpression sub && !allowed.contains(sub)) {
                throw new Untraceable("the query keeps or drops rows by a subquery that is not about each row's " + CONTRIBUTOR
                        + " (write it as " + CONTRIBUTOR + " IN (SELECT " + CONTRIBUTOR + " FROM ...))");
            }
            return BoxedUnit.UNIT;
        });
    }

    private boolean traces(LogicalPlan plan, AttributeReference a) {
        try {
            Origin o = trace(plan, a.exprId().id());
            return o.person() && !o.relation().workspace();
        } catch (Untraceable e) {
            return false;
        }
    }

    private static boolean readsWorkspace(LogicalPlan plan) {
        boolean[] found = {false};
        plan.foreach(node -> {
            Option<SecuredRelation> m = node.getTagValue(ApplyPolicies.SECURED);
            if (m.isDefined() && m.get().workspace()) {
                found[0] = true;
            }
            for (Expression e : Scala.list(node.expressions())) {
                e.foreach(x -> {
                    if (x instanceof SubqueryExpression s && readsWorkspace(s.plan())) {
                        found[0] = true;
                    }
                    return BoxedUnit.UNIT;
                });
            }
            return BoxedUnit.UNIT;
        });
        return found[0];
    }

    /**
     * The column of a project table an output attribute of {@code plan} is, unchanged
     * ({@code participants.participant_id}), if it is one.
     */
    static Optional<String> sourceColumn(LogicalPlan plan, long exprId) {
        ContributorLineage lineage = new ContributorLineage();
        lineage.collectCtes(plan);
        try {
            return Optional.of(lineage.column(plan, exprId));
        } catch (Untraceable e) {
            return Optional.empty();
        }
    }

    /** Like {@link #trace}, for any column: the secured relation's column the attribute is, unchanged. */
    private String column(LogicalPlan plan, long id) {
        Option<SecuredRelation> marker = plan.getTagValue(ApplyPolicies.SECURED);
        if (marker.isDefined()) {
            for (NamedExpression e : Scala.list(((Project) plan).projectList())) {
                if (e.exprId().id() == id) {
                    return marker.get().table() + "." + e.name().toLowerCase(Locale.ROOT);
                }
            }
            throw new Untraceable("not a column");
        }
        if (plan instanceof Project project) {
            for (NamedExpression e : Scala.list(project.projectList())) {
                if (e.exprId().id() == id) {
                    Expression value = e instanceof Alias alias ? alias.child() : (Expression) e;
                    if (value instanceof AttributeReference a) {
                        return column(project.child(), a.exprId().id());
                    }
                    throw new Untraceable("computed");
                }
            }
            throw new Untraceable("not found");
        }
        if (plan instanceof Aggregate aggregate) {
            for (NamedExpression e : Scala.list(aggregate.aggregateExpressions())) {
                if (e.exprId().id() == id) {
                    Expression value = e instanceof Alias alias ? alias.child() : (Expression) e;
                    if (value instanceof AttributeReference a) {
                        return column(aggregate.child(), a.exprId().id());
                    }
                    throw new Untraceable("computed");
                }
            }
            throw new Untraceable("not found");
        }
        if (plan instanceof CTERelationRef ref && ctes.containsKey(ref.cteId())) {
            List<Attribute> refOutput = Scala.list(ref.output());
            List<Attribute> defOutput = Scala.list(ctes.get(ref.cteId()).output());
            for (int i = 0; i < refOutput.size(); i++) {
                if (refOutput.get(i).exprId().id() == id) {
                    return column(ctes.get(ref.cteId()).child(), defOutput.get(i).exprId().id());
                }
            }
            throw new Untraceable("not found");
        }
        if (plan instanceof WithCTE with) {
            return column(with.plan(), id);
        }
        for (LogicalPlan child : Scala.list(plan.children())) {
            if (attribute(child, id) != null) {
                return column(child, id);
            }
        }
        throw new Untraceable("not found");
    }

    private boolean joinedOnContributor(Join join) {
        if (join.condition().isEmpty()) {
            return false;
        }
        List<Expression> conjuncts = new ArrayList<>();
        ApplyPolicies.split(join.condition().get(), conjuncts);
        for (Expression c : conjuncts) {
            Expression l;
            Expression r;
            if (c instanceof EqualTo eq) {
                l = eq.left();
                r = eq.right();
            } else if (c instanceof EqualNullSafe eq) {
                l = eq.left();
                r = eq.right();
            } else {
                continue;
            }
            if (l instanceof AttributeReference a && r instanceof AttributeReference b && isContributorOf(join, a, b)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code a} and {@code b} are participant_id of person-level tables on opposite sides of the join. */
    private boolean isContributorOf(Join join, AttributeReference a, AttributeReference b) {
        try {
            boolean aLeft = join.left().outputSet().contains(a);
            AttributeReference left = aLeft ? a : b;
            AttributeReference right = aLeft ? b : a;
            if (!join.left().outputSet().contains(left) || !join.right().outputSet().contains(right)) {
                return false;
            }
            return trace(join.left(), left.exprId().id()).person() && trace(join.right(), right.exprId().id()).person();
        } catch (Untraceable e) {
            return false;
        }
    }

    /** The person-level tables below {@code plan} (not inside subqueries of conditions). */
    private List<Origin> people(LogicalPlan plan) {
        List<Origin> out = new ArrayList<>();
        Option<SecuredRelation> marker = plan.getTagValue(ApplyPolicies.SECURED);
        if (marker.isDefined()) {
            boolean person = Scala.list(((Project) plan).projectList()).stream()
                    .anyMatch(e -> e.name().toLowerCase(Locale.ROOT).equals(CONTRIBUTOR));
            if (person || marker.get().workspace()) {
                out.add(new Origin(marker.get(), person));
            }
            return out;
        }
        if (plan instanceof CTERelationRef ref && ctes.containsKey(ref.cteId())) {
            return people(ctes.get(ref.cteId()).child());
        }
        for (LogicalPlan child : Scala.list(plan.children())) {
            out.addAll(people(child));
        }
        return out;
    }

    private static String names(List<Origin> origins) {
        return String.join(", ", origins.stream().map(o -> o.relation().table()).distinct().toList());
    }

    /** Operators that keep each row whole (or drop it): the contributor and the values stay together. */
    private static boolean passesRowsThrough(LogicalPlan plan) {
        return plan.children().size() == 1 && Set.of("Filter", "Sort", "GlobalLimit", "LocalLimit", "Offset", "Tail", "SubqueryAlias",
                "View", "Distinct", "Deduplicate", "Repartition", "RepartitionByExpression", "RebalancePartitions", "ResolvedHint",
                "Sample", "WithCTE").contains(plan.getClass().getSimpleName());
    }

    private static boolean containsSubquery(Expression e) {
        boolean[] found = {false};
        e.foreach(x -> {
            if (x instanceof SubqueryExpression) {
                found[0] = true;
            }
            return BoxedUnit.UNIT;
        });
        return found[0];
    }

    private static Attribute attribute(LogicalPlan plan, long id) {
        for (Attribute a : Scala.list(plan.output())) {
            if (a.exprId().id() == id) {
                return a;
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
