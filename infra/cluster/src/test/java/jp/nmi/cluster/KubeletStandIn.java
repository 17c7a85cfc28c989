package jp.nmi.cluster;

import com.github.dockerjava.api.model.Capability;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * What a node's kubelet does with the pods Spark's Kubernetes scheduler creates, as far as the
 * enclave's executor pods need it: each pod of {@code namespace} runs as a container of its image on
 * this host's network (its address is loopback), with its arguments and environment, its secret,
 * config map and emptyDir volumes, and its security context (user and group, read-only root file
 * system, no capabilities, no privilege escalation); a pod deleted stops its container, a container
 * that ends marks its pod. Anything of a pod it does not know how to honour (another volume type, a
 * privileged or host-namespace pod, an environment source other than the pod's address and name) is
 * refused: the pod is marked failed and listed in {@link #refused()}, never run with less than it
 * asks. This stands in for a node (no Kubernetes on these machines); the pods are Spark's own.
 */
final class KubeletStandIn implements AutoCloseable {
    private final KubernetesClient client;
    private final String namespace;
    private final Path logs;
    private final Path scratch;
    private final Map<String, GenericContainer<?>> running = new ConcurrentHashMap<>();
    private final Map<String, String> refused = new ConcurrentHashMap<>();
    private final Map<String, Pod> started = new ConcurrentHashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kubelet-stand-in");
        t.setDaemon(true);
        return t;
    });

    KubeletStandIn(KubernetesClient client, String namespace, Path logs, Path scratch) {
        this.client = client;
        this.namespace = namespace;
        this.logs = logs;
        this.scratch = scratch;
        loop.scheduleWithFixedDelay(this::sync, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** Pods refused, by name, with the reason. */
    Map<String, String> refused() {
        return Map.copyOf(refused);
    }

    /** Every pod started so far, as it was when it started (its spec is Spark's). */
    Map<String, Pod> started() {
        return Map.copyOf(started);
    }

    /** The names of the pods whose containers run. */
    Set<String> runningContainers() {
        return Set.copyOf(running.keySet());
    }

    /** The container running pod {@code name}, or null. */
    GenericContainer<?> container(String name) {
        return running.get(name);
    }

    private void sync() {
        try {
            List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
            Set<String> present = new java.util.HashSet<>();
            for (Pod pod : pods) {
                String name = pod.getMetadata().getName();
                present.add(name);
                if (!started.containsKey(name) && !refused.containsKey(name) && pod.getMetadata().getDeletionTimestamp() == null) {
                    start(pod);
                } else if (running.containsKey(name) && !running.get(name).isRunning()) {
                    GenericContainer<?> gone = running.remove(name);
                    Long code = gone.getCurrentContainerInfo() == null ? null
                            : gone.getCurrentContainerInfo().getState().getExitCodeLong();
                    log(name + " exited with " + code);
                    status(pod, code != null && code == 0 ? "Succeeded" : "Failed", "exited with " + code);
                    gone.stop();
                }
            }
            for (String name : List.copyOf(running.keySet())) {
                if (!present.contains(name)) {
                    GenericContainer<?> c = running.remove(name);
                    log(name + " deleted: its container stops");
                    c.stop(); // the pod was deleted: its container goes
                }
            }
        } catch (RuntimeException e) {
            // the API server stopped (the test ends) or a pod went while it was read: the next round sees
        }
    }

    private void start(Pod pod) {
        String name = pod.getMetadata().getName();
        try {
            GenericContainer<?> c = containerFor(pod);
            started.put(name, pod);
            running.put(name, c);
            c.start();
            log(name + " started: " + c.getContainerName());
            status(pod, "Running", null);
        } catch (Refused e) {
            refuse(pod, e.getMessage());
        } catch (RuntimeException e) {
            StringBuilder why = new StringBuilder("cannot start: " + e);
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                why.append(" <- ").append(t);
            }
            refuse(pod, why.toString());
        }
    }

    private void refuse(Pod pod, String why) {
        refused.put(pod.getMetadata().getName(), why);
        log(pod.getMetadata().getName() + " refused: " + why);
        status(pod, "Failed", why);
    }

    private void log(String line) {
        try {
            Files.writeString(logs.resolve("kubelet.log"), java.time.Instant.now() + " " + line + "\n", java.nio.charset.StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // a log line lost is not a test failure
        }
    }

    private void status(Pod pod, String phase, String message) {
        Pod now = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
        if (now == null) {
            return;
        }
        var container = new ContainerStatusBuilder().withName(pod.getSpec().getContainers().get(0).getName())
                .withImage(pod.getSpec().getContainers().get(0).getImage()).withReady("Running".equals(phase));
        container = "Running".equals(phase) ? container.withNewState().withNewRunning().endRunning().endState()
                : container.withNewState().withNewTerminated().withExitCode("Succeeded".equals(phase) ? 0 : 1).withMessage(message)
                        .withReason(phase).endTerminated().endState();
        now.setStatus(new PodStatusBuilder().withPhase(phase).withPodIP("127.0.0.1").withHostIP("127.0.0.1").withMessage(message)
                .withContainerStatuses(container.build()).build());
        client.pods().inNamespace(namespace).resource(now).updateStatus();
    }

    /** The container a node would run for {@code pod}, or {@link Refused} naming what it cannot honour. */
    private GenericContainer<?> containerFor(Pod pod) {
        var spec = pod.getSpec();
        String name = pod.getMetadata().getName();
        if (spec.getContainers().size() != 1 || (spec.getInitContainers() != null && !spec.getInitContainers().isEmpty())) {
            throw new Refused("one container and no init containers, not " + spec.getContainers().size());
        }
        if (Boolean.TRUE.equals(spec.getHostNetwork()) || Boolean.TRUE.equals(spec.getHostPID()) || Boolean.TRUE.equals(spec.getHostIPC())) {
            throw new Refused("a pod in the host's namespaces");
        }
        if (!Boolean.FALSE.equals(spec.getAutomountServiceAccountToken())) {
            throw new Refused("a service account token (this node mounts none)");
        }
        Container c = spec.getContainers().get(0);
        PodSecurityContext podSecurity = spec.getSecurityContext();
        SecurityContext security = c.getSecurityContext();
        if (podSecurity == null || !Boolean.TRUE.equals(podSecurity.getRunAsNonRoot()) || podSecurity.getRunAsUser() == null
                || podSecurity.getRunAsUser() == 0) {
            throw new Refused("a pod that may run as root");
        }
        if (security != null && Boolean.TRUE.equals(security.getPrivileged())) {
            throw new Refused("a privileged container");
        }
        long uid = podSecurity.getRunAsUser();
        long gid = podSecurity.getRunAsGroup() == null ? uid : podSecurity.getRunAsGroup();
        Long fsGroup = podSecurity.getFsGroup();

        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar v : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            if (v.getValueFrom() == null) {
                env.put(v.getName(), v.getValue() == null ? "" : v.getValue());
            } else if (v.getValueFrom().getFieldRef() != null && "status.podIP".equals(v.getValueFrom().getFieldRef().getFieldPath())) {
                env.put(v.getName(), "127.0.0.1");
            } else if (v.getValueFrom().getFieldRef() != null && "metadata.name".equals(v.getValueFrom().getFieldRef().getFieldPath())) {
                env.put(v.getName(), name);
            } else {
                throw new Refused("environment variable " + v.getName() + " from " + v.getValueFrom());
            }
        }
        List<String> command = new ArrayList<>();
        if (c.getCommand() != null && !c.getCommand().isEmpty()) {
            throw new Refused("a command in place of the image's entry point");
        }
        if (c.getArgs() != null) {
            command.addAll(c.getArgs());
        }
        GenericContainer<?> g = new GenericContainer<>(DockerImageName.parse(c.getImage())).withNetworkMode("host").withEnv(env)
                .withCommand(command.toArray(String[]::new)).withLabel(Cluster.LABEL, "true")
                .withLogConsumer(Cluster.toFile(logs, "pod-" + name))
                .waitingFor(new AbstractWaitStrategy() {
                    @Override
                    protected void waitUntilReady() {
                        // a node reports a pod running once its container started
                    }
                });
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (Volume v : spec.getVolumes() == null ? List.<Volume>of() : spec.getVolumes()) {
            volumes.put(v.getName(), v);
        }
        for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
            Volume v = volumes.get(m.getName());
            if (v == null) {
                throw new Refused("a mount of no volume: " + m.getName());
            }
            Path host = volume(name, v, uid, fsGroup);
            g.withFileSystemBind(host.toString(), m.getMountPath(), Boolean.TRUE.equals(m.getReadOnly()) ? BindMode.READ_ONLY
                    : BindMode.READ_WRITE);
        }
        boolean readOnlyRoot = security != null && Boolean.TRUE.equals(security.getReadOnlyRootFilesystem());
        boolean dropAll = security != null && security.getCapabilities() != null && security.getCapabilities().getDrop() != null
                && security.getCapabilities().getDrop().contains("ALL");
        boolean noEscalation = security != null && Boolean.FALSE.equals(security.getAllowPrivilegeEscalation());
        String user = uid + ":" + gid;
        return g.withCreateContainerCmdModifier(cmd -> {
            cmd.withName("enclave-pod-" + name).withUser(user);
            var hc = cmd.getHostConfig();
            hc.withReadonlyRootfs(readOnlyRoot);
            if (fsGroup != null) {
                hc.withGroupAdd(List.of(Long.toString(fsGroup)));
            }
            if (dropAll) {
                hc.withCapDrop(Capability.ALL);
            }
            if (noEscalation) {
                hc.withSecurityOpts(List.of("no-new-privileges"));
            }
        });
    }

    /** A volume's contents on this host: a secret's or config map's keys as files, or an empty directory. */
    private Path volume(String pod, Volume v, long uid, Long fsGroup) {
        try {
            Path dir = Files.createDirectories(scratch.resolve(pod).resolve(v.getName()));
            Map<String, byte[]> files = new LinkedHashMap<>();
            Integer mode;
            if (v.getSecret() != null) {
                var secret = client.secrets().inNamespace(namespace).withName(v.getSecret().getSecretName()).get();
                if (secret == null) {
                    throw new Refused("secret " + v.getSecret().getSecretName() + " does not exist");
                }
                if (secret.getData() != null) {
                    secret.getData().forEach((k, b64) -> files.put(k, Base64.getDecoder().decode(b64)));
                }
                if (secret.getStringData() != null) { // an API server turns these into data; this one may keep them as written
                    secret.getStringData().forEach((k, text) -> files.put(k, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
                mode = v.getSecret().getDefaultMode();
            } else if (v.getConfigMap() != null) {
                var map = client.configMaps().inNamespace(namespace).withName(v.getConfigMap().getName()).get();
                if (map == null) {
                    throw new Refused("config map " + v.getConfigMap().getName() + " does not exist");
                }
                map.getData().forEach((k, text) -> files.put(k, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                mode = v.getConfigMap().getDefaultMode();
            } else if (v.getEmptyDir() != null) {
                own(dir, uid, fsGroup, 0770);
                return dir;
            } else {
                throw new Refused("volume " + v.getName() + " of a type this node does not mount");
            }
            int m = mode == null ? 0644 : mode;
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path file = dir.resolve(f.getKey());
                Files.write(file, f.getValue());
                own(file, 0, fsGroup, m); // as a kubelet does: root's, the pod's fsGroup's, the volume's mode
            }
            own(dir, 0, fsGroup, 0755);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void own(Path p, long uid, Long gid, int mode) throws IOException {
        Files.setAttribute(p, "unix:uid", (int) uid);
        if (gid != null) {
            Files.setAttribute(p, "unix:gid", gid.intValue());
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        Files.setPosixFilePermissions(p, perms);
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (GenericContainer<?> c : running.values()) {
            c.stop();
        }
        running.clear();
    }

    /** Something of a pod this node will not run. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }
}
