package dev.servicekit.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jar's launcher, which loads nothing of the toolkit, keeps its own list of the toolkit's verbs: those get their
 * class-data archive at their first use, every other word (an application's verb, a mistyped one) at its second. The
 * list is servicekit-core's built-in verbs, the same names in the same order.
 */
class ToolkitVerbsTest {

    private static final ServiceApplication APP = new ServiceApplication() {
        @Override
        public String name() {
            return "verbs-service";
        }

        @Override
        public String version() {
            return "1";
        }

        @Override
        public ConfigSchema configSchema() {
            return ConfigSchema.builder().build();
        }

        @Override
        public Service createService(Config config) {
            return context -> {};
        }
    };

    @Test
    void theLaunchersToolkitVerbsAreTheBuiltInVerbsOfServiceCli() throws Exception {
        Method builtInVerbs = ServiceCli.class.getDeclaredMethod("builtInVerbs");
        builtInVerbs.setAccessible(true);
        Map<?, ?> verbs =
                (Map<?, ?>) builtInVerbs.invoke(ServiceCli.builder(APP).build());

        Field toolkitVerbs = Class.forName("dev.servicekit.launcher.Launcher").getDeclaredField("TOOLKIT_VERBS");
        toolkitVerbs.setAccessible(true);

        List<Object> builtIn = List.copyOf(verbs.keySet());
        List<Object> launcher = List.copyOf((List<?>) toolkitVerbs.get(null));
        assertThat(launcher).as("Launcher.TOOLKIT_VERBS").containsExactlyElementsOf(builtIn);
    }
}
