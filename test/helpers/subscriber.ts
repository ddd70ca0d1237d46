export { topicWithSubscriber, type ReceivedNotification } from '../../src/demo/subscriber.js';
