package jp.nmi.egress.request;

import static jp.nmi.egress.request.RequestStatus.APPROVED;
import static jp.nmi.egress.request.RequestStatus.DRAFT;
import static jp.nmi.egress.request.RequestStatus.PARTIALLY_REVIEWED;
import static jp.nmi.egress.request.RequestStatus.REJECTED;
import static jp.nmi.egress.request.RequestStatus.RELEASED;
import static jp.nmi.egress.request.RequestStatus.RETURNED;
import static jp.nmi.egress.request.RequestStatus.REVIEWED;
import static jp.nmi.egress.request.RequestStatus.SUBMITTED;
import static jp.nmi.egress.request.RequestStatus.WITHDRAWN;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The request state machine as a table: every allowed move, the party who may make it and the
 * audit action it records (written in the same transaction as the move). Anything not in the table
 * is refused. The state diagram in {@code docs/stewards.md} is generated from this table
 * ({@link #mermaid()}), never drawn by hand.
 */
public final class Transitions {
    /** One allowed move. */
    public record Move(RequestStatus from, RequestStatus to, Party party, AuditAction auditAction, String description) {}

    private static final Map<RequestStatus, Map<RequestStatus, Move>> MOVES;
    private static final Map<RequestStatus, Party> OWNERS;
    /** What may be done in each status besides moving it: the only source every service and page asks. */
    private static final Map<RequestStatus, java.util.Set<Capability>> CAPABILITIES;

    static {
        Map<RequestStatus, Map<RequestStatus, Move>> m = new EnumMap<>(RequestStatus.class);
        for (RequestStatus s : RequestStatus.values()) {
            m.put(s, new EnumMap<>(RequestStatus.class));
        }
        List<Move> moves = List.of(
                new Move(DRAFT, SUBMITTED, Party.AUTHOR, AuditAction.REQUEST_SUBMIT, "submit for review"),
                new Move(DRAFT, WITHDRAWN, Party.AUTHOR, AuditAction.REQUEST_WITHDRAW, "withdraw"),
                new Move(SUBMITTED, PARTIALLY_REVIEWED, Party.REVIEWER, AuditAction.REQUEST_FIRST_REVIEW, "first steward's review complete"),
                new Move(SUBMITTED, WITHDRAWN, Party.AUTHOR, AuditAction.REQUEST_WITHDRAW, "withdraw"),
                new Move(PARTIALLY_REVIEWED, REVIEWED, Party.REVIEWER, AuditAction.REQUEST_SECOND_REVIEW, "second steward's review complete"),
                new Move(PARTIALLY_REVIEWED, WITHDRAWN, Party.AUTHOR, AuditAction.REQUEST_WITHDRAW, "withdraw"),
                new Move(REVIEWED, APPROVED, Party.STEWARD, AuditAction.REQUEST_APPROVE, "release (every file approved twice)"),
                new Move(REVIEWED, RETURNED, Party.STEWARD, AuditAction.REQUEST_RETURN, "return to the author with comments"),
                new Move(REVIEWED, REJECTED, Party.STEWARD, AuditAction.REQUEST_REJECT, "reject"),
                new Move(REVIEWED, WITHDRAWN, Party.AUTHOR, AuditAction.REQUEST_WITHDRAW, "withdraw"),
                new Move(RETURNED, SUBMITTED, Party.AUTHOR, AuditAction.REQUEST_RESUBMIT, "resubmit (a new review round)"),
                new Move(RETURNED, WITHDRAWN, Party.AUTHOR, AuditAction.REQUEST_WITHDRAW, "withdraw"),
                new Move(APPROVED, RELEASED, Party.STEWARD, AuditAction.REQUEST_RELEASE, "reviewed bytes copied out and verified"));
        for (Move move : moves) {
            m.get(move.from()).put(move.to(), move);
        }
        Map<RequestStatus, Map<RequestStatus, Move>> frozen = new EnumMap<>(RequestStatus.class);
        m.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(v)));
        MOVES = Collections.unmodifiableMap(frozen);

        Map<RequestStatus, Party> o = new EnumMap<>(RequestStatus.class);
        o.put(DRAFT, Party.AUTHOR);
        o.put(SUBMITTED, Party.STEWARD);
        o.put(PARTIALLY_REVIEWED, Party.STEWARD);
        o.put(REVIEWED, Party.STEWARD);
        o.put(APPROVED, Party.STEWARD);
        o.put(RETURNED, Party.AUTHOR);
        OWNERS = Collections.unmodifiableMap(o);

        Map<RequestStatus, java.util.Set<Capability>> c = new EnumMap<>(RequestStatus.class);
        for (RequestStatus s : RequestStatus.values()) {
            java.util.Set<Capability> allowed = java.util.EnumSet.noneOf(Capability.class);
            // withdrawing and releasing are moves; the table of moves says where they are allowed
            if (m.get(s).containsKey(WITHDRAWN)) {
                allowed.add(Capability.WITHDRAW);
            }
            if (m.get(s).containsKey(APPROVED) || m.get(s).containsKey(RELEASED)) {
                allowed.add(Capability.RELEASE);
            }
            c.put(s, allowed);
        }
        c.get(DRAFT).add(Capability.CHANGE_FILES);
        c.get(RETURNED).add(Capability.CHANGE_FILES);
        // a steward may change a decision until the request is released, returned or rejected
        c.get(SUBMITTED).add(Capability.REVIEW);
        c.get(PARTIALLY_REVIEWED).add(Capability.REVIEW);
        c.get(REVIEWED).add(Capability.REVIEW);
        c.get(RELEASED).add(Capability.DOWNLOAD);
        Map<RequestStatus, java.util.Set<Capability>> frozenCapabilities = new EnumMap<>(RequestStatus.class);
        c.forEach((k, v) -> frozenCapabilities.put(k, Collections.unmodifiableSet(v)));
        CAPABILITIES = Collections.unmodifiableMap(frozenCapabilities);
    }

    /** Whether {@code what} may be done with a request in {@code status}. */
    public static boolean allows(RequestStatus status, Capability what) {
        return CAPABILITIES.get(status).contains(what);
    }

    /**
     * @throws InvalidStateTransitionException naming the status when {@code what} may not be done in it
     */
    public static void checkAllows(String requestId, RequestStatus status, Capability what, String doing) {
        if (!allows(status, what)) {
            List<String> where = java.util.Arrays.stream(RequestStatus.values()).filter(s -> allows(s, what))
                    .map(s -> s.label().replace('_', ' ')).toList();
            String states = where.size() == 1 ? where.get(0)
                    : String.join(", ", where.subList(0, where.size() - 1)) + " or " + where.get(where.size() - 1);
            throw new InvalidStateTransitionException("request " + requestId + " is " + status.label() + ": " + doing + " while it is "
                    + states);
        }
    }

    private Transitions() {}

    /** The move from {@code from} to {@code to}, if the table has it. */
    public static Optional<Move> move(RequestStatus from, RequestStatus to) {
        return Optional.ofNullable(MOVES.get(from).get(to));
    }

    /** Where a request can go from {@code from}. */
    public static List<Move> movesFrom(RequestStatus from) {
        return List.copyOf(MOVES.get(from).values());
    }

    /** Who has the next move in {@code status}: empty for terminal states. */
    public static Optional<Party> owner(RequestStatus status) {
        return Optional.ofNullable(OWNERS.get(status));
    }

    /**
     * The move from {@code from} to {@code to} for {@code party}.
     *
     * @throws InvalidStateTransitionException if the table has no such move, or another party makes it
     */
    public static Move checkTransition(String requestId, RequestStatus from, RequestStatus to, Party party) {
        Move move = MOVES.get(from).get(to);
        if (move == null) {
            List<String> options = MOVES.get(from).values().stream().map(m -> m.to().label()).toList();
            throw new InvalidStateTransitionException("request " + requestId + " is " + from.label() + " and cannot become " + to.label()
                    + (options.isEmpty() ? ": " + from.label() + " is final" : "; from " + from.label() + " it can become "
                            + String.join(", ", options)));
        }
        if (move.party() != party) {
            throw new InvalidStateTransitionException("request " + requestId + ": " + from.label() + " -> " + to.label() + " ("
                    + move.description() + ") is for " + describe(move.party()) + ", not for " + describe(party));
        }
        return move;
    }

    static String describe(Party p) {
        return switch (p) {
            case AUTHOR -> "the request's author";
            case STEWARD -> "an independent steward";
            case REVIEWER -> "a steward completing their review";
        };
    }

    /** The whole table, for documentation. */
    public static List<Move> all() {
        List<Move> out = new ArrayList<>();
        for (RequestStatus s : RequestStatus.values()) {
            out.addAll(MOVES.get(s).values());
        }
        return out;
    }

    /** The state diagram as Mermaid, generated from the table. */
    public static String mermaid() {
        StringBuilder sb = new StringBuilder("stateDiagram-v2\n    [*] --> draft: analyst creates a request\n");
        for (Move m : all()) {
            sb.append("    ").append(m.from().label()).append(" --> ").append(m.to().label()).append(": ")
                    .append(m.description().replace(":", " -")).append(" (").append(m.party().name().toLowerCase(java.util.Locale.ROOT))
                    .append(")\n");
        }
        for (RequestStatus s : RequestStatus.values()) {
            if (s.isTerminal()) {
                sb.append("    ").append(s.label()).append(" --> [*]\n");
            }
        }
        return sb.toString();
    }
}
