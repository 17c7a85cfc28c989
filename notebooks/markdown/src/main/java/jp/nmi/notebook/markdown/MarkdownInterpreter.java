package jp.nmi.notebook.markdown;

import com.vladsch.flexmark.ext.gfm.strikethrough.StrikethroughExtension;
import com.vladsch.flexmark.ext.tables.TablesExtension;
import com.vladsch.flexmark.html.HtmlRenderer;
import com.vladsch.flexmark.parser.Parser;
import com.vladsch.flexmark.util.data.MutableDataSet;
import java.util.List;
import java.util.Properties;
import org.apache.zeppelin.interpreter.Interpreter;
import org.apache.zeppelin.interpreter.InterpreterContext;
import org.apache.zeppelin.interpreter.InterpreterResult;

/**
 * {@code %md} in the enclave: text for notes, rendered here to HTML. CommonMark with tables and
 * strikethrough; raw HTML in the text is escaped, not passed through; nothing is fetched or sent
 * anywhere (Zeppelin's own %md posts UML blocks to websequencediagrams.com and links yuml.me images,
 * a way out of the enclave). The workbench sanitises what it shows as well.
 */
public class MarkdownInterpreter extends Interpreter {
    private static final MutableDataSet OPTIONS = new MutableDataSet()
            .set(Parser.EXTENSIONS, List.of(TablesExtension.create(), StrikethroughExtension.create()))
            .set(HtmlRenderer.ESCAPE_HTML, true)
            .set(HtmlRenderer.SUPPRESS_HTML, false);
    private static final Parser PARSER = Parser.builder(OPTIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder(OPTIONS).build();

    public MarkdownInterpreter(Properties properties) {
        super(properties);
    }

    /** The HTML of {@code markdown}, in a {@code markdown-body} block. */
    public static String render(String markdown) {
        return "<div class=\"markdown-body\">\n" + RENDERER.render(PARSER.parse(markdown == null ? "" : markdown)) + "</div>";
    }

    @Override
    public void open() {
        // nothing to start
    }

    @Override
    public void close() {
        // nothing to stop
    }

    @Override
    public InterpreterResult interpret(String text, InterpreterContext context) {
        return new InterpreterResult(InterpreterResult.Code.SUCCESS, InterpreterResult.Type.HTML, render(text));
    }

    @Override
    public void cancel(InterpreterContext context) {
        // rendering is immediate
    }

    @Override
    public FormType getFormType() {
        return FormType.NONE;
    }

    @Override
    public int getProgress(InterpreterContext context) {
        return 0;
    }
}
