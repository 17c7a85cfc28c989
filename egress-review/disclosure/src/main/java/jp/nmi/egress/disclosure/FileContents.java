package jp.nmi.egress.disclosure;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a file carries that a steward looking at it would not see: invisible or control characters
 * in text (zero-width, bidirectional overrides), bytes after the end of an image, metadata inside
 * an image (PNG text chunks, JPEG EXIF and comment segments), scripts in an SVG. Text that is not
 * UTF-8 and images that do not parse fail: they cannot be shown as they are.
 */
public final class FileContents {
    private FileContents() {}

    /** The content check of an allowed file: pass, review (metadata) or fail. */
    public static Check check(String fileName, byte[] bytes) {
        String ext = FileTypes.extension(fileName);
        return switch (ext) {
            case "csv", "txt", "md", "json", "html", "svg" -> text(fileName, bytes, ext.equals("svg"));
            case "png" -> png(fileName, bytes);
            case "jpg", "jpeg" -> jpeg(fileName, bytes);
            default -> new Check("content", Status.FAIL, List.of(), "'" + fileName + "': no content check knows ." + ext);
        };
    }

    private static Check text(String name, byte[] bytes, boolean svg) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' is not UTF-8 text, so it cannot be shown as it is");
        }
        int line = 1;
        int hidden = 0;
        String first = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == '\n') {
                line++;
            }
            int type = Character.getType(cp);
            boolean invisible = (type == Character.CONTROL && cp != '\n' && cp != '\r' && cp != '\t')
                    || (type == Character.FORMAT && !(cp == 0xFEFF && i == 0))
                    || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
            if (invisible) {
                hidden++;
                if (first == null) {
                    String n = Character.getName(cp);
                    first = String.format(Locale.ROOT, "U+%04X%s at line %d", cp, n == null ? "" : " " + n, line);
                }
            }
            i += Character.charCount(cp);
        }
        if (hidden > 0) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' contains " + hidden + " invisible or control"
                    + " character(s) (first: " + first + "): what they carry cannot be seen by a steward");
        }
        if (svg && (text.toLowerCase(Locale.ROOT).contains("<script") || text.toLowerCase(Locale.ROOT).matches("(?s).*\\son[a-z]+\\s*=.*")
                || text.toLowerCase(Locale.ROOT).contains("javascript:"))) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' is an SVG with a script or event handler");
        }
        return new Check("content", Status.PASS, List.of(), "UTF-8 text without invisible characters");
    }

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private static Check png(String name, byte[] b) {
        if (b.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(b, 8), PNG)) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' is not a PNG image");
        }
        List<String> metadata = new ArrayList<>();
        int p = 8;
        while (p + 12 <= b.length) {
            long length = ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            String type = new String(b, p + 4, 4, StandardCharsets.US_ASCII);
            long end = p + 12L + length;
            if (end > b.length) {
                return new Check("content", Status.FAIL, List.of(), "'" + name + "': chunk " + type + " runs past the end of the file");
            }
            if (List.of("tEXt", "zTXt", "iTXt", "eXIf").contains(type)) {
                metadata.add(type);
            }
            p = (int) end;
            if (type.equals("IEND")) {
                if (p < b.length) {
                    return new Check("content", Status.FAIL, List.of(), "'" + name + "' carries " + (b.length - p)
                            + " byte(s) after the end of the image, which no viewer shows");
                }
                return metadata.isEmpty() ? new Check("content", Status.PASS, List.of(), "a well-formed PNG without metadata")
                        : new Check("content", Status.REVIEW, List.of(), "'" + name + "' carries metadata chunks (" + String.join(", ",
                                metadata) + ") that the picture does not show: read them, or ask for the image without them");
            }
        }
        return new Check("content", Status.FAIL, List.of(), "'" + name + "' is a PNG without an end (IEND)");
    }

    private static Check jpeg(String name, byte[] b) {
        if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' is not a JPEG image");
        }
        List<String> metadata = new ArrayList<>();
        int p = 2;
        while (p + 2 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return new Check("content", Status.FAIL, List.of(), "'" + name + "' is not a well-formed JPEG (no marker at byte " + p + ")");
            }
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xD9) {
                p += 2;
                break;
            }
            if (p + 4 > b.length) {
                break;
            }
            int length = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            if ((marker >= 0xE0 && marker <= 0xEF) && marker != 0xE0 || marker == 0xFE) {
                metadata.add(marker == 0xFE ? "COM" : String.format(Locale.ROOT, "APP%d", marker - 0xE0));
            }
            p += 2 + length;
            if (marker == 0xDA) {
                // entropy-coded data up to the next marker that is not a stuffed byte or a restart
                while (p + 1 < b.length && !((b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFF) != 0 && ((b[p + 1] & 0xFF) < 0xD0
                        || (b[p + 1] & 0xFF) > 0xD7))) {
                    p++;
                }
            }
        }
        if (p > b.length || (b[p - 1] & 0xFF) != 0xD9) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' is a JPEG without an end (EOI)");
        }
        if (p < b.length) {
            return new Check("content", Status.FAIL, List.of(), "'" + name + "' carries " + (b.length - p)
                    + " byte(s) after the end of the image, which no viewer shows");
        }
        return metadata.isEmpty() ? new Check("content", Status.PASS, List.of(), "a well-formed JPEG without metadata")
                : new Check("content", Status.REVIEW, List.of(), "'" + name + "' carries metadata segments (" + String.join(", ", metadata)
                        + ") that the picture does not show: read them, or ask for the image without them");
    }
}
