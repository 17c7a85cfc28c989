package jp.nmi.infra.zeppelin;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.notebook.NotebookAccess;

/**
 * The notebook server of one enclave: Zeppelin from the assembled home, with an instance directory
 * of its own ({@code DIR/zeppelin}: conf, notebooks, logs) made for the enclave it serves. Every
 * port on 127.0.0.1. The configuration is regenerated at each start; the notes and the guard's
 * access file stay.
 */
public final class NotebookServer implements AutoCloseable {
    /** Ports: the web and REST port, and the ranges of Zeppelin's two internal RPC ports. */
    public record Ports(int web, int rpcFrom, int rpcTo) {
        public Ports {
            if (web <= 0 || rpcFrom <= 0 || rpcTo < rpcFrom + 1) {
                throw new ValidationException("notebook ports: web " + web + ", rpc " + rpcFrom + "-" + rpcTo + " are not usable");
            }
        }
    }

    /** What the interpreters read (never from Zeppelin's own properties): see {@code NotebookSettings}. */
    public record InterpreterSettings(Path embeddedEnclave, String egressUrl, String interpreterHeap, String operatorSettings) {
        public InterpreterSettings(Path embeddedEnclave, String egressUrl, String interpreterHeap) {
            this(embeddedEnclave, egressUrl, interpreterHeap, null);
        }

        /**
         * The operators' settings file for an enclave beyond one machine ({@code enclave.target},
         * the Spark master, keys, policies, audit: see the interpreter's {@code NotebookSettings}),
         * given to the interpreters as it is.
         */
        public static InterpreterSettings operators(String settingsFile, String interpreterHeap) {
            return new InterpreterSettings(null, null, interpreterHeap, requireNonNull(settingsFile, "settingsFile is null"));
        }
    }

    private final ZeppelinHome home;
    private final Path instance;
    private final Ports ports;
    private Process process;

    private NotebookServer(ZeppelinHome home, Path instance, Ports ports) {
        this.home = home;
        this.instance = instance;
        this.ports = ports;
    }

    /** The server's directory in the embedded enclave {@code dir}. */
    public static Path instanceDirectory(Path dir) {
        return dir.toAbsolutePath().resolve("zeppelin");
    }

    /**
     * Writes the instance's configuration (site, Shiro, logging, the interpreters' settings and the
     * access file from the enclave's projects and directory).
     */
    public static NotebookServer prepare(ZeppelinHome home, Path instance, Ports ports, InterpreterSettings settings,
            EnclaveStorage storage) {
        requireNonNull(home, "home is null");
        NotebookServer s = new NotebookServer(home, instance.toAbsolutePath(), ports);
        if (s.instance.toString().contains("'") || home.directory().toString().contains("'")) {
            throw new ValidationException("the notebook server's directories may not contain a quote (') in their paths: " + s.instance);
        }
        try {
            for (String d : List.of("conf", "notebook", "logs", "run")) {
                Files.createDirectories(s.instance.resolve(d));
            }
            Map<String, String> vars = Map.of("home", home.directory().toString(), "instance", s.instance.toString(),
                    "conf", s.conf().toString(), "logs", s.logs().toString(), "port", Integer.toString(ports.web()),
                    "rpcRange", ports.rpcFrom() + ":" + (ports.rpcFrom() + (ports.rpcTo() - ports.rpcFrom()) / 2),
                    "interpreterRange", (ports.rpcFrom() + (ports.rpcTo() - ports.rpcFrom()) / 2 + 1) + ":" + ports.rpcTo());
            for (String f : List.of("zeppelin-site.xml", "shiro.ini", "log4j.properties", "log4j-interpreter.properties",
                    "log4j2-interpreter.properties")) {
                write(s.conf().resolve(f), fill(template(f), vars), false);
            }
            if (settings.operatorSettings() != null) {
                write(s.conf().resolve("enclave-notebook.properties"), "# The operators' settings, copied at each start.\n"
                        + settings.operatorSettings(), false);
            } else {
                StringBuilder nb = new StringBuilder("# Where the project interpreters find the enclave (written at each start).\n");
                nb.append("enclave.embedded=").append(settings.embeddedEnclave().toAbsolutePath()).append('\n');
                nb.append("enclave.egress.url=").append(settings.egressUrl() == null ? "" : settings.egressUrl()).append('\n');
                write(s.conf().resolve("enclave-notebook.properties"), nb.toString(), false);
            }
            write(s.conf().resolve("enclave-interpreter.heap"), settings.interpreterHeap() + "\n", false);
            // the runner Zeppelin calls: this instance's directories, whatever the environment of the call says
            Path runner = s.instance.resolve("run").resolve("interpreter.sh");
            write(runner, "#!/usr/bin/env bash\n# Made by the enclave's launcher for this instance.\n"
                    + "export ZEPPELIN_CONF_DIR='" + s.conf() + "' ZEPPELIN_LOG_DIR='" + s.logs() + "' ENCLAVE_JAVA='" + home.java() + "'\n"
                    + "exec '" + home.directory().resolve("bin/interpreter.sh") + "' \"$@\"\n", false);
            Files.setPosixFilePermissions(runner, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            NotebookAccess.write(storage, s.conf());
            return s;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot prepare the notebook server in " + instance + ": " + e.getMessage(), e);
        }
    }

    private static String template(String name) throws IOException {
        try (InputStream in = NotebookServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the launcher's template " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String fill(String template, Map<String, String> vars) {
        String out = template;
        for (Map.Entry<String, String> v : vars.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue());
        }
        return out;
    }

    private static void write(Path file, String content, boolean world) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(world ? "rw-r--r--" : "rw-------")));
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public Path conf() {
        return instance.resolve("conf");
    }

    public Path logs() {
        return instance.resolve("logs");
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + ports.web() + "/");
    }

    /** Starts the server (its own JVM) and waits until it answers. */
    public NotebookServer start(Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.java().toString());
        cmd.add("-Xmx" + System.getProperty("enclave.zeppelin.heap", "768m"));
        cmd.add("-Dfile.encoding=UTF-8");
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-Dlog4j.configuration=file:" + conf().resolve("log4j.properties"));
        cmd.add("-D" + "enclave.access.file" + "=" + conf().resolve(NotebookAccess.FILE));
        cmd.add("-cp");
        // server-overrides first: the enclave's Jetty defaults descriptor in place of Jetty's own
        // and thrift's server socket bound to loopback (enclave-zeppelin-loopback.jar) before thrift's own
        Path overrides = home.directory().resolve("server-overrides");
        cmd.add(conf() + ":" + overrides + ":" + overrides.resolve("enclave-zeppelin-loopback.jar") + ":" + home.directory().resolve("lib")
                + "/*");
        cmd.add("org.apache.zeppelin.server.ZeppelinServer");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(instance.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs().resolve("zeppelin-server.out").toFile()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ZEPPELIN_") || k.startsWith("SPARK_") || k.equals("JAVA_TOOL_OPTIONS"));
        env.put("ZEPPELIN_HOME", home.directory().toString());
        env.put("ZEPPELIN_CONF_DIR", conf().toString());
        env.put("ZEPPELIN_LOG_DIR", logs().toString());
        env.put("ZEPPELIN_IDENT_STRING", "enclave");
        env.put("ZEPPELIN_LOCAL_IP", "127.0.0.1");
        env.put("ENCLAVE_JAVA", home.java().toString());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot start the notebook server: " + e.getMessage(), e);
        }
        awaitReady(timeout);
        return this;
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new EnclaveStorageException("the notebook server stopped while starting (exit " + process.exitValue() + "); see "
                        + logs().resolve("zeppelin-server.log"));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(url().resolve("api/version")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EnclaveStorageException("interrupted while waiting for the notebook server", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EnclaveStorageException("interrupted while waiting for the notebook server", e);
            }
        }
        close();
        throw new EnclaveStorageException("the notebook server did not answer within " + timeout.toSeconds() + " s; see "
                + logs().resolve("zeppelin-server.log"));
    }

    /** The server's process id, or -1 when it is not running. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server and its interpreter processes. */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle c : children) {
            c.destroy();
        }
        for (ProcessHandle c : children) {
            try {
                c.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                c.destroyForcibly();
            }
        }
        process = null;
    }
}
