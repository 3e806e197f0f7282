function onOpen() {}
