package jp.nmi.egress;

import java.util.LinkedHashMap;
import java.util.Map;
import jp.nmi.egress.config.EgressEnvironment;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The egress service: a Spring Boot application started with an {@link EgressEnvironment}
 * (by {@code ./enclave egress serve} or by tests), always on 127.0.0.1.
 */
@SpringBootApplication
public class EgressApplication {
    /**
     * Starts the service.
     *
     * @param port the port on 127.0.0.1 (0: any free port)
     */
    public static ConfigurableApplicationContext start(EgressEnvironment env, int port) {
        return start(env, port, Map.of());
    }

    /** As {@link #start(EgressEnvironment, int)}, with more of the service's properties ({@code enclave.discovery}). */
    public static ConfigurableApplicationContext start(EgressEnvironment env, int port, Map<String, Object> more) {
        Map<String, Object> props = new LinkedHashMap<>(more);
        props.put("server.address", "127.0.0.1");
        props.put("server.port", port);
        props.put("spring.datasource.url", env.jdbcUrl());
        if (env.dbUser() != null) {
            props.put("spring.datasource.username", env.dbUser());
        }
        String password = env.dbPassword() != null ? env.dbPassword() : System.getenv("ENCLAVE_EGRESS_DB_PASSWORD");
        if (password != null) {
            props.put("spring.datasource.password", password);
        }
        SpringApplication app = new SpringApplicationBuilder(EgressApplication.class)
                .properties(props)
                .initializers(ctx -> ctx.getBeanFactory().registerSingleton("egressEnvironment", env))
                .build();
        return app.run();
    }
}
