package jp.nmi.enclave.project;

/**
 * A member of a project, as its spec names them and as services read them.
 *
 * @param user login name
 * @param role {@code analyst} or {@code lead}
 * @param affiliation {@code academic} or {@code industry}
 */
public record ProjectMember(String user, String role, String affiliation) {
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isIndustry() {
        return "industry".equals(affiliation);
    }
}
