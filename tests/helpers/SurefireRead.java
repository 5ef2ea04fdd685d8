// Reads JUnit files with Maven Surefire's own report parser (Debian's libsurefire-java,
// org.apache.maven.plugins.surefire.report.TestSuiteXmlParser, what maven-surefire-report-plugin
// uses) and prints what it understood as JSON: per suite the counts, flakes included, and per
// testcase its failure or error (message and detail, the element's text). Run as a source file: java -cp <jars> SurefireRead.java FILE...
import java.lang.reflect.Proxy;
import java.util.List;
import org.apache.maven.plugin.surefire.log.api.ConsoleLogger;
import org.apache.maven.plugins.surefire.report.ReportTestCase;
import org.apache.maven.plugins.surefire.report.ReportTestSuite;
import org.apache.maven.plugins.surefire.report.TestSuiteXmlParser;

public class SurefireRead {
  static String q(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    ConsoleLogger logger = (ConsoleLogger) Proxy.newProxyInstance(ConsoleLogger.class.getClassLoader(), new Class<?>[] {ConsoleLogger.class},
        (proxy, method, a) -> { if (a != null && a.length > 0) System.err.println("surefire: " + a[0]); return method.getReturnType() == boolean.class ? Boolean.TRUE : null; });
    StringBuilder out = new StringBuilder("[");
    for (String file : args) {
      TestSuiteXmlParser parser = new TestSuiteXmlParser(logger);
      List<ReportTestSuite> suites = parser.parse(file);
      for (ReportTestSuite s : suites) {
        if (out.length() > 1) out.append(',');
        out.append("{\"name\":").append(q(s.getFullClassName())).append(",\"tests\":").append(s.getNumberOfTests())
            .append(",\"failures\":").append(s.getNumberOfFailures()).append(",\"errors\":").append(s.getNumberOfErrors())
            .append(",\"skipped\":").append(s.getNumberOfSkipped()).append(",\"flakes\":").append(s.getNumberOfFlakes())
            .append(",\"valid\":").append(parser.isValid()).append(",\"testcases\":[");
        boolean first = true;
        for (ReportTestCase c : s.getTestCases()) {
          if (!first) out.append(',');
          first = false;
          out.append("{\"name\":").append(q(c.getName())).append(",\"successful\":").append(c.isSuccessful())
              .append(",\"failure\":").append(c.hasFailure()).append(",\"error\":").append(c.hasError()).append(",\"skipped\":").append(c.hasSkipped())
              .append(",\"type\":").append(q(c.getFailureType())).append(",\"message\":").append(q(c.getFailureMessage()))
              .append(",\"detail\":").append(q(c.getFailureDetail())).append('}');
        }
        out.append("]}");
      }
    }
    System.out.println(out.append(']'));
  }
}
