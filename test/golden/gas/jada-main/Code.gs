function doGet(e) {
  return HtmlService.createHtmlOutputFromFile("index");
}

function price() {
  return 225;
}
