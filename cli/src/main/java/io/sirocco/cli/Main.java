package io.sirocco.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sirocco} command. */
@Command(name = "sirocco", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Mistral's open models on the JVM.",
        subcommands = {GenerateCommand.class, ChatCommand.class, TokenizeCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: user errors (bad file, bad value) exit 2 with one clear line. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // A user error (bad file, bad flag value) is one clear line; anything else keeps its stack trace.
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof java.io.UncheckedIOException
                    || ex.getClass().getName().startsWith("io.sirocco.")) {
                cmd.getErr().println("sirocco: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sirocco " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
