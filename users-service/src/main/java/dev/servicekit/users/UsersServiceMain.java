package dev.servicekit.users;

import dev.servicekit.core.ServiceCli;

/** Entry point of {@code users-service.jar}: the command line ({@code run}, {@code config}, {@code version}). */
public final class UsersServiceMain {

    private UsersServiceMain() {
    }

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        ServiceCli.main(new UsersServiceApplication(), args);
    }
}
