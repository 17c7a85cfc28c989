package jp.nmi.enclave.directory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.project.ProjectSpec;

/**
 * People named in specs and on command lines, checked against the enclave's directory: a project's
 * members must be analysts there, the operator acting must be an operator. A typo is refused with
 * the nearest name, never accepted as a new person.
 */
public final class Identities {
    private Identities() {}

    /**
     * @throws ValidationException naming every member that is not an analyst of the directory, and why
     */
    public static void checkMembers(ProjectSpec spec, List<DirectoryUser> users) {
        Map<String, DirectoryUser> byName = users.stream().collect(Collectors.toMap(DirectoryUser::user, Function.identity(), (a, b) -> a));
        List<String> analysts = users.stream().filter(DirectoryUser::isAnalyst).map(DirectoryUser::user).toList();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < spec.members().size(); i++) {
            String name = spec.members().get(i).user();
            DirectoryUser u = byName.get(name);
            if (DirectoryUser.RESERVED.contains(name)) {
                problems.add("members[" + i + "].user: '" + name + "' names an account of the enclave's HDFS or hosts, which the"
                        + " project's ACLs would grant what they grant members");
            } else if (u == null) {
                problems.add("members[" + i + "].user: '" + name + "' is not a user of the enclave's directory" + suggestion(name, analysts));
            } else if (!u.isAnalyst()) {
                problems.add("members[" + i + "].user: '" + name + "' is " + String.join(" and ", u.roles())
                        + " in the enclave's directory, not an analyst: only analysts work in projects");
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(spec.id() + ": " + String.join("; ", problems)
                    + (users.isEmpty() ? " (the directory has no users yet: add them with ./enclave users add)" : ""));
        }
    }

    /** {@code " (did you mean NAME?)"} for the nearest candidate at most two edits away, or empty. */
    public static String suggestion(String name, List<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            int d = distance(name, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best == null ? "" : " (did you mean " + best + "?)";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
