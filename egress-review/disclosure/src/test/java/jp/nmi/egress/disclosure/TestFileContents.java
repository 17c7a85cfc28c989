package jp.nmi.egress.disclosure;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** What a file carries that a steward would not see. */
class TestFileContents {
    static byte[] image(String format) throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 3, 0xFF0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void invisibleCharactersInTextFail() {
        Check c = FileContents.check("t.csv", "sex,count\nF,12\u200B\nM,40\n".getBytes(StandardCharsets.UTF_8));
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).isEqualTo("'t.csv' contains 1 invisible or control character(s) (first: U+200B ZERO WIDTH SPACE at line 2):"
                + " what they carry cannot be seen by a steward");
        assertThat(FileContents.check("n.md", "right-to-left \u202Egnp.exe".getBytes(StandardCharsets.UTF_8)).detail())
                .contains("U+202E RIGHT-TO-LEFT OVERRIDE");
        assertThat(FileContents.check("ok.txt", "\uFEFFplain text\twith a tab\r\n".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(Status.PASS);
        // characters that are formally marks or letters but show nothing carry data as well
        assertThat(FileContents.check("v.txt", "F,12\uFE0F\uFE01\n".getBytes(StandardCharsets.UTF_8)).detail())
                .contains("U+FE0F VARIATION SELECTOR-16 at line 1");
        assertThat(FileContents.check("v.txt", "F,12\uDB40\uDD00\n".getBytes(StandardCharsets.UTF_8)).detail())
                .contains("U+E0100 VARIATION SELECTOR-17");
        assertThat(FileContents.check("h.txt", "name\u3164\n".getBytes(StandardCharsets.UTF_8)).detail()).contains("U+3164 HANGUL FILLER");
        assertThat(FileContents.check("b.txt", "x\u2800y\n".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(Status.FAIL);
        assertThat(FileContents.check("ja.txt", "乳がん,12\nデータ\n".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(Status.PASS);
        assertThat(FileContents.check("l1.txt", new byte[] {(byte) 0xE9, 't', 'e'}).detail()).isEqualTo("'l1.txt' is not UTF-8 text, so it"
                + " cannot be shown as it is");
    }

    @Test
    void svgWithAScriptFails() {
        assertThat(FileContents.check("p.svg", "<svg><script>alert(1)</script></svg>".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(Status.FAIL);
        assertThat(FileContents.check("p.svg", "<svg><rect onload =\"x()\"/></svg>".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(Status.FAIL);
        assertThat(FileContents.check("p.svg", "<svg><rect width=\"3\"/></svg>".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(Status.PASS);
    }

    @Test
    void imagesMustEndWhereThePictureEndsAndMetadataIsShown() throws IOException {
        byte[] png = image("png");
        assertThat(FileContents.check("p.png", png).status()).isEqualTo(Status.PASS);
        Check trailing = FileContents.check("p.png", concat(png, "participant p-17: 1956-02-03".getBytes(StandardCharsets.UTF_8)));
        assertThat(trailing.status()).isEqualTo(Status.FAIL);
        assertThat(trailing.detail()).isEqualTo("'p.png' carries 28 byte(s) after the end of the image, which no viewer shows");
        // a tEXt chunk before IEND: 4-byte length, type, data, 4-byte CRC (not checked)
        byte[] text = "Commentsecret".getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[12 + text.length];
        chunk[3] = (byte) text.length;
        System.arraycopy("tEXt".getBytes(StandardCharsets.US_ASCII), 0, chunk, 4, 4);
        System.arraycopy(text, 0, chunk, 8, text.length);
        byte[] withText = concat(concat(Arrays.copyOf(png, png.length - 12), chunk), Arrays.copyOfRange(png, png.length - 12, png.length));
        Check meta = FileContents.check("p.png", withText);
        assertThat(meta.status()).isEqualTo(Status.REVIEW);
        assertThat(meta.detail()).contains("metadata chunks (tEXt)");
        // so is a private chunk, or any other chunk that does not only describe the picture
        System.arraycopy("prVt".getBytes(StandardCharsets.US_ASCII), 0, chunk, 4, 4);
        byte[] withPrivate = concat(concat(Arrays.copyOf(png, png.length - 12), chunk), Arrays.copyOfRange(png, png.length - 12, png.length));
        assertThat(FileContents.check("p.png", withPrivate).detail()).contains("metadata chunks (prVt)");
        assertThat(FileContents.check("p.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}).detail())
                .isEqualTo("'p.png' is a PNG without an end (IEND)");

        byte[] jpg = image("jpg");
        Check plainJpeg = FileContents.check("p.jpg", jpg);
        assertThat(plainJpeg.status()).as(plainJpeg.detail()).isEqualTo(Status.PASS);
        // an EXIF segment (APP1) right after the start of the image is for a steward to read
        byte[] exif = {(byte) 0xFF, (byte) 0xE1, 0, 8, 'E', 'x', 'i', 'f', 0, 0};
        byte[] withExif = concat(concat(Arrays.copyOf(jpg, 2), exif), Arrays.copyOfRange(jpg, 2, jpg.length));
        Check exifCheck = FileContents.check("p.jpg", withExif);
        assertThat(exifCheck.status()).isEqualTo(Status.REVIEW);
        assertThat(exifCheck.detail()).contains("APP1");
        Check jpgTrailing = FileContents.check("p.jpg", concat(jpg, new byte[] {1, 2, 3}));
        assertThat(jpgTrailing.status()).isEqualTo(Status.FAIL);
        assertThat(jpgTrailing.detail()).contains("carries 3 byte(s) after the end of the image");
        assertThat(FileContents.check("p.jpg", "not a jpeg".getBytes(StandardCharsets.UTF_8)).detail()).isEqualTo("'p.jpg' is not a JPEG image");
    }

    @Test
    void integerCellsAreRecognisedInTheirUsualSpellings() {
        assertThat(UnrecordedOutput.integer("12")).isEqualTo(12L);
        assertThat(UnrecordedOutput.integer(" +3 ")).isEqualTo(3L);
        assertThat(UnrecordedOutput.integer("1,234")).isEqualTo(1234L);
        assertThat(UnrecordedOutput.integer("4.00")).isEqualTo(4L);
        assertThat(UnrecordedOutput.integer("-7")).isEqualTo(-7L);
        assertThat(UnrecordedOutput.integer("4.5")).isNull();
        assertThat(UnrecordedOutput.integer("F")).isNull();
        assertThat(UnrecordedOutput.integer("-")).isNull();
        assertThat(UnrecordedOutput.integer("")).isNull();
    }
}
