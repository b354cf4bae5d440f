package dev.servicekit.users;

import dev.servicekit.http.HttpServiceHost;

/** Entry point of {@code users-service.jar}: the command line ({@code run}, {@code install}, {@code token issue}, ...). */
public final class UsersServiceMain {

    private UsersServiceMain() {}

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        HttpServiceHost.main(new UsersServiceApplication(), args);
    }
}
