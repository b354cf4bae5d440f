/** The JVM's own start: a main that returns at once (bench/floor.sh). */
public final class Empty {
    public static void main(String[] args) {}
}
