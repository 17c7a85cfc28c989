package jp.nmi.egress.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the egress service's workflow (requests, reviews, releases, quarantine, its audit, its
 * security, its pages and API) meets the enclave only through enclave-api. Its launcher, its
 * benchmark and the discovery pages it hosts are the places that use enclave-core.
 */
class TestModuleBoundaries {
    static final Path SOURCES = Path.of("src/main/java/jp/nmi/egress");
    static final Path API = Path.of("../../enclave-api/src/main/java");
    static final List<String> MAY_USE_CORE = List.of("cli", "bench", "discovery");
    static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?(jp\\.nmi\\.enclave\\.[a-z.]+\\.[A-Z][A-Za-z0-9]*)");
    static final Pattern QUALIFIED = Pattern.compile("\\b(jp\\.nmi\\.enclave\\.[a-z.]+\\.[A-Z][A-Za-z0-9]*)");

    @Test
    void theWorkflowUsesOnlyTheApiOfTheEnclave() throws IOException {
        assertThat(SOURCES).isDirectory();
        assertThat(API).isDirectory();
        List<String> outside = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String feature = SOURCES.relativize(f).getName(0).toString();
                if (MAY_USE_CORE.contains(feature)) {
                    continue;
                }
                String text = Files.readString(f);
                for (Pattern p : List.of(IMPORT, QUALIFIED)) {
                    Matcher m = p.matcher(text);
                    while (m.find()) {
                        checked++;
                        String type = m.group(1);
                        if (!Files.exists(API.resolve(type.replace('.', '/') + ".java"))) {
                            outside.add(SOURCES.relativize(f) + " uses " + type);
                        }
                    }
                }
            }
        }
        assertThat(checked).as("the check looked at the enclave's types the workflow uses").isGreaterThan(20);
        assertThat(outside).as("types of enclave-core in the egress workflow").isEmpty();
    }
}
