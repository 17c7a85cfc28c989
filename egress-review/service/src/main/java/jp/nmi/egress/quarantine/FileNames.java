package jp.nmi.egress.quarantine;

import java.text.Normalizer;
import java.util.Locale;
import jp.nmi.enclave.error.ValidationException;

/**
 * What a file may be called on its way out. A name is one path segment of the outbox (no
 * directories, no traversal), normalised to NFC, and refused if it could mislead a steward:
 * control and format characters (bidirectional overrides, zero-width joiners), compatibility forms
 * that look like others (full-width letters), or letters from scripts other than Latin and
 * Japanese, whose look-alikes (Cyrillic {@code с} for Latin {@code c}) disguise a file's type.
 */
public final class FileNames {
    static final int MAX_LENGTH = 128;

    private FileNames() {}

    /**
     * The normalised name.
     *
     * @throws ValidationException naming the character or part that is not allowed
     */
    public static String normalise(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ValidationException("a file name is empty");
        }
        String name = Normalizer.normalize(raw, Normalizer.Form.NFC);
        if (name.contains("/") || name.contains("\\")) {
            throw new ValidationException("file name '" + printable(raw) + "' contains a path separator: choose files directly in the"
                    + " project's outbox, by name");
        }
        if (name.equals(".") || name.equals("..") || name.startsWith(".")) {
            throw new ValidationException("file name '" + printable(raw) + "' starts with a dot: hidden files and '..' are not exported");
        }
        if (name.length() > MAX_LENGTH) {
            throw new ValidationException("file name '" + printable(raw) + "' is longer than " + MAX_LENGTH + " characters");
        }
        if (!Normalizer.normalize(name, Normalizer.Form.NFKC).equals(name)) {
            throw new ValidationException("file name '" + printable(raw) + "' contains compatibility characters (such as full-width"
                    + " letters) that look like other characters: rename it with ordinary characters");
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            check(raw, cp);
            i += Character.charCount(cp);
        }
        if (name.endsWith(" ") || name.endsWith(".")) {
            throw new ValidationException("file name '" + printable(raw) + "' ends with a space or a dot");
        }
        return name;
    }

    private static void check(String raw, int cp) {
        int type = Character.getType(cp);
        if (type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE || type == Character.SURROGATE
                || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
            throw new ValidationException("file name '" + printable(raw) + "' contains the invisible or control character "
                    + describe(cp) + ", which can disguise a name");
        }
        if (cp < 0x80) {
            if (Character.isLetterOrDigit(cp) || "._- ()+,=@".indexOf(cp) >= 0) {
                return;
            }
            throw new ValidationException("file name '" + printable(raw) + "' contains '" + (char) cp + "': use letters, digits,"
                    + " spaces and . _ - ( ) + , = @");
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        switch (script) {
            case HAN, HIRAGANA, KATAKANA -> {
                return;
            }
            case COMMON -> {
                // Japanese punctuation and the long-vowel mark; other symbols are not needed in a name
                if (cp == 0x30FC || (cp >= 0x3000 && cp <= 0x303F)) {
                    if (cp == 0x3000) {
                        break;
                    }
                    return;
                }
            }
            default -> {
                // falls through to the refusal
            }
        }
        throw new ValidationException("file name '" + printable(raw) + "' contains " + describe(cp) + " (" + script.name()
                .toLowerCase(Locale.ROOT) + " script): only Latin letters (ASCII) and Japanese are allowed, because look-alike"
                + " letters from other scripts can disguise a name");
    }

    static String describe(int cp) {
        String name = Character.getName(cp);
        return String.format(Locale.ROOT, "U+%04X%s", cp, name == null ? "" : " " + name);
    }

    /** The name with anything invisible shown as its code point, safe to put in a message. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(200).forEach(cp -> {
            int t = Character.getType(cp);
            if (t == Character.CONTROL || t == Character.FORMAT || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR) {
                sb.append(String.format(Locale.ROOT, "\\u%04X", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
