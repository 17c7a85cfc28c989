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
            default -> new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + fileName + "': no content check knows ." + ext);
        };
    }

    private static Check text(String name, byte[] bytes, boolean svg) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is not UTF-8 text, so it cannot be shown as it is");
        }
        int line = 1;
        int hidden = 0;
        String first = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == '\n') {
                line++;
            }
            boolean invisible = isInvisible(cp) && !(cp == 0xFEFF && i == 0);
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
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' contains " + hidden + " invisible or control"
                    + " character(s) (first: " + first + "): what they carry cannot be seen by a steward");
        }
        if (svg && (text.toLowerCase(Locale.ROOT).contains("<script") || text.toLowerCase(Locale.ROOT).matches("(?s).*\\son[a-z]+\\s*=.*")
                || text.toLowerCase(Locale.ROOT).contains("javascript:"))) {
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is an SVG with a script or event handler");
        }
        return new Check(RuleId.CONTENT, Status.PASS, List.of(), "UTF-8 text without invisible characters");
    }

    /**
     * Characters a reader does not see but a file can carry: controls (but tab and line ends),
     * format characters, private use, unassigned code points, separators, and the ones that are
     * formally letters or marks yet render as nothing (variation selectors, Mongolian free
     * variation selectors, Hangul fillers, the blank Braille pattern).
     */
    static boolean isInvisible(int cp) {
        int type = Character.getType(cp);
        if (type == Character.CONTROL) {
            return cp != '\n' && cp != '\r' && cp != '\t';
        }
        return type == Character.FORMAT || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                || type == Character.SURROGATE || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF) || (cp >= 0x180B && cp <= 0x180F)
                || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800;
    }

    /** PNG chunks that only describe the picture; anything else (text, EXIF, ICC profiles, private chunks) is for a steward to read. */
    private static final java.util.Set<String> PNG_CHUNKS = java.util.Set.of("IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM",
            "sRGB", "pHYs", "bKGD", "sBIT");

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private static Check png(String name, byte[] b) {
        if (b.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(b, 8), PNG)) {
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is not a PNG image");
        }
        List<String> metadata = new ArrayList<>();
        int p = 8;
        while (p + 12 <= b.length) {
            long length = ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            String type = new String(b, p + 4, 4, StandardCharsets.US_ASCII);
            long end = p + 12L + length;
            if (end > b.length) {
                return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "': chunk " + type + " runs past the end of the file");
            }
            if (!PNG_CHUNKS.contains(type) && !metadata.contains(type)) {
                metadata.add(type);
            }
            p = (int) end;
            if (type.equals("IEND")) {
                if (p < b.length) {
                    return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' carries " + (b.length - p)
                            + " byte(s) after the end of the image, which no viewer shows");
                }
                return metadata.isEmpty() ? new Check(RuleId.CONTENT, Status.PASS, List.of(), "a well-formed PNG without metadata")
                        : new Check(RuleId.CONTENT, Status.REVIEW, List.of(), "'" + name + "' carries metadata chunks (" + String.join(", ",
                                metadata) + ") that the picture does not show: read them, or ask for the image without them");
            }
        }
        return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is a PNG without an end (IEND)");
    }

    /**
     * Segments that only make up the picture: frames, tables, scans, restarts, and a JFIF header
     * without a thumbnail. Everything else (EXIF and other APPn, comments, a JFIF thumbnail, markers
     * this check does not know) is for a steward to read.
     */
    private static boolean isImageSegment(int marker, byte[] b, int start, int length) {
        if (marker >= 0xC0 && marker <= 0xCF || marker == 0xDA || marker == 0xDB || marker == 0xDD) {
            return true; // SOFn, DHT, DAC, SOS, DQT, DRI
        }
        if (marker == 0xE0) {
            // JFIF\0, version (2), units (1), densities (2 + 2), thumbnail width and height (1 + 1): no thumbnail
            return length == 14 && start + 14 <= b.length && b[start] == 'J' && b[start + 1] == 'F' && b[start + 2] == 'I'
                    && b[start + 3] == 'F' && b[start + 4] == 0 && b[start + 12] == 0 && b[start + 13] == 0;
        }
        return false;
    }

    private static Check jpeg(String name, byte[] b) {
        if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is not a JPEG image");
        }
        List<String> metadata = new ArrayList<>();
        int p = 2;
        while (p + 2 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is not a well-formed JPEG (no marker at byte " + p + ")");
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
            if (!isImageSegment(marker, b, p + 4, length - 2)) {
                String what = marker == 0xFE ? "COM" : marker >= 0xE0 && marker <= 0xEF ? String.format(Locale.ROOT, "APP%d", marker - 0xE0)
                        : String.format(Locale.ROOT, "marker 0x%02X", marker);
                if (!metadata.contains(what)) {
                    metadata.add(what);
                }
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
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' is a JPEG without an end (EOI)");
        }
        if (p < b.length) {
            return new Check(RuleId.CONTENT, Status.FAIL, List.of(), "'" + name + "' carries " + (b.length - p)
                    + " byte(s) after the end of the image, which no viewer shows");
        }
        return metadata.isEmpty() ? new Check(RuleId.CONTENT, Status.PASS, List.of(), "a well-formed JPEG without metadata")
                : new Check(RuleId.CONTENT, Status.REVIEW, List.of(), "'" + name + "' carries metadata segments (" + String.join(", ", metadata)
                        + ") that the picture does not show: read them, or ask for the image without them");
    }
}
