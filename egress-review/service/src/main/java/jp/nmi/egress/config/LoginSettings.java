package jp.nmi.egress.config;

import jp.nmi.enclave.error.ValidationException;

/**
 * How users log in. {@code directory}: passwords against the enclave directory's PBKDF2 hashes (the
 * embedded default). {@code ldap}: a bind against the provider's LDAP directory with the user's
 * own credentials; roles still come from the enclave's directory, so an LDAP account that the
 * enclave does not know is refused.
 *
 * @param ldapUrl e.g. {@code ldap://ldap.internal:389/dc=provider,dc=jp} (ldaps:// in production)
 * @param userDnPattern relative to the URL's base, {@code {0}} standing for the user name
 */
public record LoginSettings(String mode, String ldapUrl, String userDnPattern) {
    public static final LoginSettings DIRECTORY = new LoginSettings("directory", null, null);

    public LoginSettings {
        if (!"directory".equals(mode) && !"ldap".equals(mode)) {
            throw new ValidationException("--login must be directory or ldap, got '" + mode + "'");
        }
        if ("ldap".equals(mode)) {
            if (ldapUrl == null || !(ldapUrl.startsWith("ldap://") || ldapUrl.startsWith("ldaps://"))) {
                throw new ValidationException("--login ldap needs --ldap-url ldap://HOST:PORT/BASE-DN (or ldaps://), got '" + ldapUrl + "'");
            }
            if (userDnPattern == null || !userDnPattern.contains("{0}")) {
                throw new ValidationException("--ldap-user-dn-pattern must contain {0} for the user name, got '" + userDnPattern + "'");
            }
        }
    }

    public boolean isLdap() {
        return "ldap".equals(mode);
    }
}
