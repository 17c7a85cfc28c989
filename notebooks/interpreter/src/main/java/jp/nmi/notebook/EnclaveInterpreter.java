package jp.nmi.notebook;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.zeppelin.interpreter.Interpreter;
import org.apache.zeppelin.interpreter.InterpreterContext;
import org.apache.zeppelin.interpreter.InterpreterException;
import org.apache.zeppelin.interpreter.InterpreterResult;
import org.apache.zeppelin.interpreter.InterpreterResultMessage;
import org.apache.zeppelin.interpreter.thrift.InterpreterCompletion;
import org.apache.zeppelin.scheduler.Scheduler;
import org.apache.zeppelin.scheduler.SchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code %enclave} interpreter: Zeppelin's side of {@link NotebookCommands}. One interpreter
 * process per project (one interpreter setting per project, named by the project's id); the
 * project comes from the launch script (the setting's name), the settings from the operators'
 * file, and the user from Zeppelin's authentication of the paragraph's run. Nothing a paragraph
 * or a {@code %conf} can set changes any of them.
 */
public class EnclaveInterpreter extends Interpreter {
    /** The system property the launch script sets to the interpreter setting's name: the project. */
    public static final String PROJECT_PROPERTY = "enclave.project";

    private static final Logger LOG = LoggerFactory.getLogger(EnclaveInterpreter.class);
    /*
     * Read when the class loads: Zeppelin loads it before it copies the interpreter setting's
     * properties into the system properties, so what the launch script gave stays what counts.
     */
    private static final String PROJECT = System.getProperty(PROJECT_PROPERTY);
    private static final String SETTINGS_FILE = System.getProperty(NotebookSettings.FILE_PROPERTY);
    private static final java.util.Set<String> LAUNCH_SPARK_PROPERTIES = sparkProperties();

    private static java.util.Set<String> sparkProperties() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("spark.")) {
                out.add(k);
            }
        }
        return out;
    }
    /** The process's project: one Spark application per JVM, shared by every note and member. */
    private static NotebookProject project;
    private static NotebookCommands commands;

    public EnclaveInterpreter(Properties properties) {
        super(properties);
    }

    @Override
    public void open() {
        try {
            projectCommands();
        } catch (AccessDeniedException e) {
            throw e; // written for the analyst
        } catch (RuntimeException e) {
            // logged; Zeppelin would show this text (and its trace) to the analyst: the paragraph tries again, and its
            // answer names the failure's kind only (guarded)
        }
    }

    private static synchronized NotebookCommands projectCommands() {
        if (commands != null) {
            return commands;
        }
        String projectId = PROJECT;
        String file = SETTINGS_FILE;
        // Spark reads spark.* system properties when it starts: only those the launch script set
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("spark.") && !LAUNCH_SPARK_PROPERTIES.contains(k)) {
                LOG.warn("system property {} was not set by the launch script: removed before the project's session starts", k);
                System.clearProperty(k);
            }
        }
        if (projectId == null || !projectId.matches("[A-Z][A-Z0-9-]{1,31}") || file == null) {
            // the fallback setting named after the interpreter group: it serves no project
            throw new AccessDeniedException("this note is not in a project's folder: %enclave runs in a note under /<PROJECT>/ only");
        }
        try {
            long start = System.nanoTime();
            project = NotebookProject.open(NotebookSettings.load(Path.of(file)), projectId);
            commands = new NotebookCommands(project);
            LOG.info("project {} ready in {} ms", projectId, (System.nanoTime() - start) / 1_000_000);
            return commands;
        } catch (Exception | Error e) { // Spark's checked exceptions too, which Scala throws undeclared
            LOG.error("cannot open project {}", projectId, e);
            throw e;
        }
    }

    @Override
    public void close() {
        synchronized (EnclaveInterpreter.class) {
            if (project != null) {
                project.close();
                project = null;
                commands = null;
            }
        }
    }

    @Override
    public InterpreterResult interpret(String text, InterpreterContext context) throws InterpreterException {
        String user = context.getAuthenticationInfo() == null ? null : context.getAuthenticationInfo().getUser();
        if (user == null || user.isBlank() || user.equals("anonymous")) {
            return new InterpreterResult(InterpreterResult.Code.ERROR, "%enclave runs for a signed-in user only");
        }
        return guarded("paragraph " + context.getParagraphId() + " of note " + context.getNoteId() + " (" + user + ")", () -> {
            NotebookCommands commands = projectCommands();
            return toResult(project.session().tagged(context.getParagraphId(), () -> commands.run(user, context.getNoteId(), text)));
        });
    }

    /**
     * What {@code paragraph} gives, or the reason it was denied, or, for any other failure (Spark's
     * exceptions are checked ones, which Scala throws undeclared), a message that names its kind only:
     * an exception's text and trace can hold paths, plans and values, and go to the operators' log.
     */
    static InterpreterResult guarded(String what, java.util.concurrent.Callable<InterpreterResult> paragraph) {
        try {
            return paragraph.call();
        } catch (AccessDeniedException e) {
            return new InterpreterResult(InterpreterResult.Code.ERROR, e.getMessage());
        } catch (Exception | Error e) {
            LOG.error("{} failed", what, e);
            return new InterpreterResult(InterpreterResult.Code.ERROR, "the enclave could not run this paragraph (" + e.getClass()
                    .getSimpleName() + "); the operators' log has the details");
        }
    }

    static InterpreterResult toResult(Output out) {
        List<InterpreterResultMessage> messages = new ArrayList<>();
        for (Output.Part part : out.parts()) {
            if (part instanceof Output.Table t) {
                messages.add(new InterpreterResultMessage(InterpreterResult.Type.TABLE, t.tsv()));
            } else if (part instanceof Output.Text x) {
                messages.add(new InterpreterResultMessage(InterpreterResult.Type.TEXT, x.text()));
            }
        }
        return new InterpreterResult(out.error() ? InterpreterResult.Code.ERROR : InterpreterResult.Code.SUCCESS, messages);
    }

    @Override
    public void cancel(InterpreterContext context) {
        NotebookProject p = project;
        if (p != null && context.getParagraphId() != null) {
            p.session().cancelTagged(context.getParagraphId()); // this paragraph's jobs, nobody else's
        }
    }

    @Override
    public FormType getFormType() {
        // no ${...} substitution: the text that runs is the text the analyst wrote
        return FormType.NONE;
    }

    @Override
    public int getProgress(InterpreterContext context) {
        return 0;
    }

    @Override
    public List<InterpreterCompletion> completion(String buf, int cursor, InterpreterContext context) {
        String user = context.getAuthenticationInfo() == null ? null : context.getAuthenticationInfo().getUser();
        if (user == null) {
            return List.of();
        }
        int start = cursor;
        while (start > 0 && (Character.isLetterOrDigit(buf.charAt(start - 1)) || buf.charAt(start - 1) == '_')) {
            start--;
        }
        String prefix = buf.substring(start, Math.min(cursor, buf.length())).toLowerCase(java.util.Locale.ROOT);
        List<InterpreterCompletion> out = new ArrayList<>();
        try {
            for (String name : projectCommands().completions(user)) {
                if (name.toLowerCase(java.util.Locale.ROOT).startsWith(prefix)) {
                    out.add(new InterpreterCompletion(name, name, "enclave"));
                }
            }
        } catch (RuntimeException e) {
            return List.of(); // not a member, or the project is not open: nothing to complete
        }
        return out;
    }

    @Override
    public Scheduler getScheduler() {
        // members of a project work at the same time: their paragraphs run side by side
        return SchedulerFactory.singleton().createOrGetParallelScheduler(EnclaveInterpreter.class.getName() + this.hashCode(), 4);
    }
}
