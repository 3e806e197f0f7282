function placeOrder(order) {
  return order.id;
}
