// Segment's Java library (com.segment.analytics.java:analytics) on its defaults, pointed at the
// collector. Sends identify, track, page and alias for one user, flushes, and exits 0 when the
// library reported each message delivered (1 otherwise, with each error on stderr). Environment:
// COMPAT_HOST, COMPAT_WRITE_KEY, COMPAT_USER_ID, COMPAT_ANONYMOUS_ID, COMPAT_PREVIOUS_ID.
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.AliasMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.TrackMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class CompatClient {
  public static void main(String[] args) throws InterruptedException {
    String user = System.getenv("COMPAT_USER_ID");
    List<String> errors = new CopyOnWriteArrayList<>();
    CountDownLatch answered = new CountDownLatch(4);
    // The callback only observes each message's outcome; every setting keeps its default.
    Callback outcome =
        new Callback() {
          @Override
          public void success(Message message) {
            answered.countDown();
          }

          @Override
          public void failure(Message message, Throwable error) {
            errors.add(message.type() + ": " + error);
            answered.countDown();
          }
        };
    Analytics analytics =
        Analytics.builder(System.getenv("COMPAT_WRITE_KEY"))
            .endpoint(System.getenv("COMPAT_HOST"))
            .callback(outcome)
            .build();

    analytics.enqueue(
        IdentifyMessage.builder()
            .userId(user)
            .anonymousId(System.getenv("COMPAT_ANONYMOUS_ID"))
            .traits(Map.of("plan", "gold", "email", user + "@example.com")));
    analytics.enqueue(
        TrackMessage.builder("Order Completed")
            .userId(user)
            .properties(Map.of("order_id", user + "-order", "revenue", 42.5, "currency", "EUR")));
    analytics.enqueue(
        PageMessage.builder("Product")
            .userId(user)
            .properties(Map.of("path", "/p/mug", "url", "https://shop.example/p/mug")));
    analytics.enqueue(
        AliasMessage.builder(System.getenv("COMPAT_PREVIOUS_ID")).userId(user));
    analytics.flush();
    boolean done = answered.await(60, TimeUnit.SECONDS);
    analytics.shutdown();

    if (!done) errors.add("no answer for " + answered.getCount() + " message(s) within 60 s");
    for (String error : errors) System.err.println(error);
    System.exit(errors.isEmpty() ? 0 : 1);
  }
}
