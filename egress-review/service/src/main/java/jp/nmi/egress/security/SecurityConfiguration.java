package jp.nmi.egress.security;

import java.time.Clock;
import java.util.List;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

/**
 * Who may use the service and how. Users are the enclave directory's accounts, with PBKDF2
 * password hashes; their roles (analyst, steward, operator) are authorities, and what they may do
 * with each request is decided by {@code Duties}. The web pages log in with a form, keep a session
 * and check a CSRF token on every form; the REST API takes HTTP Basic on each call and keeps no
 * session, so no cookie can carry a forged call into it (CSRF tokens would protect nothing there).
 * Every response carries secure headers, including a strict Content-Security-Policy.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
public class SecurityConfiguration {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    @Bean
    PasswordEncoder passwordEncoder(Clock clock) {
        return new DirectoryPasswordEncoder(clock);
    }

    @Bean
    UserDetailsService users(DirectoryStore directory) {
        return name -> {
            DirectoryUser u = directory.user(name).orElseThrow(() -> new UsernameNotFoundException("no such user"));
            if (u.passwordHash() == null) {
                throw new UsernameNotFoundException("no password login for this user");
            }
            List<SimpleGrantedAuthority> roles = u.roles().stream().map(r -> new SimpleGrantedAuthority("ROLE_" + r.toUpperCase(
                    java.util.Locale.ROOT))).toList();
            return User.withUsername(u.user()).password(u.passwordHash()).authorities(roles).build();
        };
    }

    @Bean
    @Order(1)
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        http.securityMatcher("/api/**")
                .authorizeHttpRequests(a -> a.anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(c -> c.disable())
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(CSP))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain web(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a.requestMatchers("/login", "/static/**", "/favicon.ico", "/error").permitAll()
                        .anyRequest().authenticated())
                .formLogin(f -> f.loginPage("/login").defaultSuccessUrl("/", true).permitAll())
                .logout(l -> l.logoutUrl("/logout").logoutSuccessUrl("/login?logout"))
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(CSP))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }
}
