package jp.nmi.notebook.markdown;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TestMarkdownInterpreter {
    @Test
    void rendersCommonMarkAndTablesAndEscapesRawHtml() {
        assertThat(MarkdownInterpreter.render("## Title\n**bold** and `code`")).contains("<h2>Title</h2>")
                .contains("<strong>bold</strong>").contains("<code>code</code>");
        assertThat(MarkdownInterpreter.render("| a | b |\n|---|---|\n| 1 | 2 |")).contains("<table>").contains("<td>1</td>");
        String evil = MarkdownInterpreter.render("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assertThat(evil).doesNotContain("<script>").doesNotContain("<img").contains("&lt;script&gt;");
    }

    @Test
    void diagramBlocksAreTextNotRequestsToOtherServers() {
        String html = MarkdownInterpreter.render("%%% sequence\nA->B: the participants\n%%%\n\n%%% yuml\n[A]->[B]\n%%%");
        assertThat(html).doesNotContain("websequencediagrams").doesNotContain("yuml.me").doesNotContain("<img");
    }
}
