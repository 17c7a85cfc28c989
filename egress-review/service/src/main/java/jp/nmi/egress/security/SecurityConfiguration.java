package jp.nmi.egress.security;

import java.time.Clock;
import java.util.List;
import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.egress.config.LoginSettings;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.ldap.core.DirContextAdapter;
import org.springframework.ldap.core.DirContextOperations;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.ldap.LdapBindAuthenticationManagerFactory;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.ldap.DefaultSpringSecurityContextSource;
import org.springframework.security.ldap.userdetails.UserDetailsContextMapper;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

/**
 * Who may use the service and how. Users are the enclave directory's accounts, with PBKDF2
 * password hashes (or, by configuration, the provider's LDAP accounts); their roles (analyst, steward, operator) are authorities, and what they may do
 * with each request is decided by {@code Duties}. The web pages log in with a form, keep a session
 * and check a CSRF token on every form; the REST API takes HTTP Basic on each call and keeps no
 * session, so no cookie can carry a forged call into it (CSRF tokens would protect nothing there).
 * Every response carries secure headers, including a strict Content-Security-Policy.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
public class SecurityConfiguration {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    /** 401 with a JSON body and no Basic challenge (see the API chain); 429 while logins are throttled. */
    static final org.springframework.security.web.AuthenticationEntryPoint API_UNAUTHENTICATED = (request, response, e) -> {
        if (e instanceof LoginThrottle.TooManyFailedLogins t) {
            response.setStatus(429);
            response.setHeader("Retry-After", Long.toString(t.retryAfterSeconds()));
            response.setContentType("application/json");
            response.getWriter().write("{\"error\":\"too_many_failed_logins\",\"message\":\"" + t.getMessage() + "\",\"retry_after\":"
                    + t.retryAfterSeconds() + "}");
            return;
        }
        response.setStatus(401);
        response.setContentType("application/json");
        response.getWriter().write("{\"error\":\"unauthenticated\",\"message\":\"send HTTP Basic credentials with every call"
                + " (the user name and password of your enclave account)\"}");
    };

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
            return User.withUsername(u.user()).password(u.passwordHash()).authorities(authorities(u)).build();
        };
    }

    /**
     * The one authentication manager of both chains: directory passwords, or an LDAP bind whose
     * roles come from the directory.
     */
    @Bean
    LoginThrottle loginThrottle(EgressEnvironment env) {
        return new LoginThrottle(LoginThrottle.Limits.DEFAULTS, env.clock());
    }

    @Bean
    AuthenticationManager authenticationManager(EgressEnvironment env, UserDetailsService users, PasswordEncoder encoder,
            DirectoryStore directory, LoginThrottle throttle) {
        return throttle.guard(unthrottled(env, users, encoder, directory));
    }

    private static AuthenticationManager unthrottled(EgressEnvironment env, UserDetailsService users, PasswordEncoder encoder,
            DirectoryStore directory) {
        LoginSettings login = env.login();
        if (!login.isLdap()) {
            DaoAuthenticationProvider dao = new DaoAuthenticationProvider(users);
            dao.setPasswordEncoder(encoder);
            return new ProviderManager(dao);
        }
        DefaultSpringSecurityContextSource source = new DefaultSpringSecurityContextSource(login.ldapUrl());
        source.afterPropertiesSet();
        LdapBindAuthenticationManagerFactory factory = new LdapBindAuthenticationManagerFactory(source);
        factory.setUserDnPatterns(login.userDnPattern());
        factory.setUserDetailsContextMapper(new UserDetailsContextMapper() {
            @Override
            public UserDetails mapUserFromContext(DirContextOperations ctx, String username,
                    java.util.Collection<? extends GrantedAuthority> ignored) {
                // LDAP says who they are; the enclave's directory says what they may do.
                DirectoryUser u = directory.user(username).orElseThrow(() -> new BadCredentialsException(
                        username + " is in LDAP but not in the enclave's directory"));
                return User.withUsername(u.user()).password("").authorities(authorities(u)).build();
            }

            @Override
            public void mapUserToContext(UserDetails user, DirContextAdapter ctx) {
                throw new UnsupportedOperationException("the egress service never writes to LDAP");
            }
        });
        return factory.createAuthenticationManager();
    }

    static List<SimpleGrantedAuthority> authorities(DirectoryUser u) {
        return u.roles().stream().map(r -> new SimpleGrantedAuthority("ROLE_" + r.toUpperCase(java.util.Locale.ROOT))).toList();
    }

    @Bean
    @Order(1)
    SecurityFilterChain api(HttpSecurity http, AuthenticationManager manager) throws Exception {
        http.securityMatcher("/api/**")
                .authenticationManager(manager)
                .authorizeHttpRequests(a -> a.anyRequest().authenticated())
                // No "WWW-Authenticate: Basic" challenge: a browser never prompts for API credentials, so it never
                // caches them and replays them on a forged cross-site POST. API clients send them with each call.
                .httpBasic(b -> b.authenticationEntryPoint(API_UNAUTHENTICATED))
                .exceptionHandling(x -> x.authenticationEntryPoint(API_UNAUTHENTICATED))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(c -> c.disable())
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(CSP))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain web(HttpSecurity http, AuthenticationManager manager) throws Exception {
        http.authenticationManager(manager)
                .authorizeHttpRequests(a -> a.requestMatchers("/login", "/static/**", "/favicon.ico", "/error", "/register", "/register/**")
                        .permitAll()
                        .anyRequest().authenticated())
                .formLogin(f -> f.loginPage("/login").defaultSuccessUrl("/", true).permitAll()
                        .failureHandler((request, response, e) -> response.sendRedirect(request.getContextPath()
                                + (e instanceof LoginThrottle.TooManyFailedLogins ? "/login?locked" : "/login?error"))))
                .logout(l -> l.logoutUrl("/logout").logoutSuccessUrl("/login?logout"))
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(CSP))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }
}
