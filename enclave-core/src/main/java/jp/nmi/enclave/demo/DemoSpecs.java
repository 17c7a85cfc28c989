package jp.nmi.enclave.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.project.ProjectSpec;
import jp.nmi.enclave.project.ProjectSpecParser;

/**
 * The demo world's project specs, DEMO-1 (breast cancer; alice academic, kenji industry) and
 * DEMO-2 (dementia; bob), shipped as {@code demo/projects/*.yaml} like any operator's specs.
 */
public final class DemoSpecs {
    public static final List<String> IDS = List.of("DEMO-1", "DEMO-2");

    private DemoSpecs() {}

    public static String yaml(String id) {
        if (!IDS.contains(id)) {
            throw new NotFoundException("no demo project " + id + " (demo projects: " + String.join(", ", IDS) + ")");
        }
        try (InputStream in = DemoSpecs.class.getResourceAsStream("/demo/projects/" + id + ".yaml")) {
            if (in == null) {
                throw new NotFoundException("demo/projects/" + id + ".yaml is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read demo/projects/" + id + ".yaml: " + e.getMessage(), e);
        }
    }

    public static ProjectSpec spec(String id) {
        return ProjectSpecParser.parse(yaml(id), id + ".yaml");
    }
}
