package dev.servicekit.bench.springpeer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The benchmark's Spring Boot peer; see {@link UsersController}. */
@SpringBootApplication
public class SpringPeerApplication {

    public static void main(String[] args) {
        SpringApplication.run(SpringPeerApplication.class, args);
    }
}
