package jp.nmi.enclave.project;

import java.util.List;

/**
 * A project's member list as services read it ({@code projects/<id>/members.json}): the contract
 * enclave-core writes when it applies or closes a project and the egress service reads to decide
 * who may export, review and download.
 *
 * @param closedAt when it was closed (an instant), or null
 * @param regulatory what the committee approved for regulators, or null
 */
public record MemberList(String project, ProjectStatus status, String start, String end, String disclosureProfile,
        List<ProjectMember> members, String closedAt, RegulatoryDeclaration regulatory) {
    @com.fasterxml.jackson.annotation.JsonCreator
    public MemberList {
    }

    public MemberList(String project, ProjectStatus status, String start, String end, String disclosureProfile,
            List<ProjectMember> members) {
        this(project, status, start, end, disclosureProfile, members, null, null);
    }

    /** The same, closed at {@code at}. */
    public MemberList closed(String at) {
        return new MemberList(project, status, start, end, disclosureProfile, members, at, regulatory);
    }
}
