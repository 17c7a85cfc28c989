package jp.nmi.enclave.authz;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.AccessDeniedException;
import scala.Option;

/**
 * Where a statement may write by path ({@code INSERT OVERWRITE DIRECTORY}): one new name inside the
 * project's outbox, on the enclave's own filesystem, compared as a fully qualified URI. Not another
 * scheme ({@code file:}, {@code webhdfs:}, {@code s3a:}, {@code LOCAL}), not another authority (any
 * other host or port, even one naming the same machine), not a relative path, not {@code .} or
 * {@code ..} or an escaped form of them, not the outbox itself or a hidden name in it
 * ({@code .disclosure}), and never the workspace: workspace tables are written by name.
 */
final class WriteTargets {
    /** A name in the outbox: letters, digits, '.', '_', '-'; starts with a letter or digit. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private WriteTargets() {}

    /**
     * The scheme-less path of an outbox directory target.
     *
     * @throws AccessDeniedException naming the target and the reason it is refused
     */
    static String outboxDirectory(Option<URI> location, URI fileSystem, String outboxPath) {
        if (location.isEmpty()) {
            throw AccessDeniedException.denyWrite("a directory without a path", "name a directory in the project's outbox ("
                    + outboxPath + "/<name>)");
        }
        URI uri = location.get();
        String shown = PlanCheck.display(uri);
        if (uri.getScheme() != null) {
            if (!uri.getScheme().equalsIgnoreCase(fileSystem.getScheme())
                    || !String.valueOf(uri.getRawAuthority()).toLowerCase(Locale.ROOT)
                            .equals(String.valueOf(fileSystem.getRawAuthority()).toLowerCase(Locale.ROOT))) {
                throw AccessDeniedException.denyWrite(shown, "only the enclave's own filesystem can be written to (write "
                        + outboxPath + "/<name>, without a scheme or host)");
            }
        } else if (uri.getRawAuthority() != null) {
            throw AccessDeniedException.denyWrite(shown, "only the enclave's own filesystem can be written to (write " + outboxPath
                    + "/<name>, without a scheme or host)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw AccessDeniedException.denyWrite(shown, "a target is a plain path");
        }
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/")) {
            throw AccessDeniedException.denyWrite(shown, "use the absolute path of a directory in the project's outbox ("
                    + outboxPath + "/<name>)");
        }
        if (path.contains("%") || path.contains("\\") || path.contains(":")) {
            throw AccessDeniedException.denyWrite(shown, "escaped or special characters are not allowed in a target path");
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw AccessDeniedException.denyWrite(shown, "'.', '..' and empty segments are not allowed in a target path");
            }
        }
        String prefix = outboxPath + "/";
        if (!path.startsWith(prefix)) {
            throw AccessDeniedException.denyWrite(path, "results go to the project's outbox (" + outboxPath + "/<name>)");
        }
        String name = path.substring(prefix.length());
        if (name.contains("/") || !NAME.matcher(name).matches()) {
            throw AccessDeniedException.denyWrite(path, "the target is one new name directly in the outbox (" + outboxPath
                    + "/<name>: letters, digits, '.', '_', '-', not starting with '.')");
        }
        return path;
    }
}
